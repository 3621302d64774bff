import type {AuditEntry} from '../../types.js'
import type {AuditTrail} from '../lake-formation.js'
import type {Postgres} from './connection.js'

interface AuditRow {
  id: string
  at: Date
  actor: string
  action: AuditEntry['action']
  detail: Pick<AuditEntry, 'grant' | 'resource' | 'tags'>
  command_line: string
}

/**
 * The aws backend's audit trail of grant and tag changes, in the metadata database (table
 * grant_audit). Lake Formation holds the grants; this says who changed them, when, and with
 * which command line. A batch of entries is one INSERT: all recorded or none. Grant changes are
 * written `pending` before Lake Formation sees them and settled after; the history shows only
 * changes made.
 */
export function createPostgresAuditTrail(db: Postgres): AuditTrail {
  const insert = async (entries: AuditEntry[], status: 'pending' | 'done'): Promise<string[]> => {
    if (entries.length === 0) return []
    const column = <T>(pick: (entry: AuditEntry) => T): T[] => entries.map(pick)
    const {rows} = await db.query<{id: string}>(
      `INSERT INTO grant_audit (at, actor, action, principal, detail, command_line, status)
       SELECT at, actor, action, principal, detail, command_line, $7
       FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[]) WITH ORDINALITY
         AS e(at, actor, action, principal, detail, command_line, n)
       ORDER BY n RETURNING id`,
      [
        column((e) => e.at),
        column((e) => e.actor),
        column((e) => e.action),
        column((e) => e.grant?.principal ?? null),
        column(({grant, resource, tags}) => JSON.stringify(grant ? {grant} : {resource, tags})),
        column((e) => e.commandLine),
        status,
      ],
    )
    // bigserial ids follow the insert order of one statement.
    return rows.map((row) => String(row.id)).sort((a, b) => Number(BigInt(a) - BigInt(b)))
  }
  const entryOf = (row: AuditRow): AuditEntry => ({
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    ...row.detail,
    commandLine: row.command_line,
  })

  return {
    async record(entries) {
      await insert(entries, 'done')
    },

    begin: (entries) => insert(entries, 'pending'),

    async settle(made, notMade) {
      // Made wins over a settlement made meanwhile from Lake Formation's state (a concurrent listing).
      if (made.length > 0) await db.query(`UPDATE grant_audit SET status = 'done' WHERE id = ANY($1::bigint[])`, [made])
      if (notMade.length > 0)
        await db.query(`UPDATE grant_audit SET status = 'not_made' WHERE id = ANY($1::bigint[]) AND status = 'pending'`, [notMade])
    },

    async pending(principal) {
      const {rows} = await db.query<AuditRow>(
        `SELECT id, at, actor, action, detail, command_line FROM grant_audit
         WHERE status = 'pending' AND ($1::text IS NULL OR principal = $1) ORDER BY id`,
        [principal ?? null],
      )
      return rows.map((row) => ({id: String(row.id), entry: entryOf(row)}))
    },

    async history(filter) {
      const {rows} = await db.query<AuditRow>(
        `SELECT id, at, actor, action, detail, command_line FROM grant_audit
         WHERE status = 'done' AND ($1::text IS NULL OR principal = $1) ORDER BY id DESC LIMIT $2`,
        [filter.principal ?? null, filter.limit ?? null],
      )
      return rows.map(entryOf)
    },
  }
}
