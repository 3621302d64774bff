import type {AuditEntry} from '../../types.js'
import type {AuditTrail} from '../lake-formation.js'
import type {Postgres} from './connection.js'

interface AuditRow {
  at: Date
  actor: string
  action: AuditEntry['action']
  detail: Pick<AuditEntry, 'grant' | 'resource' | 'tags'>
  command_line: string
}

/**
 * The aws backend's audit trail of grant and tag changes, in the metadata database (table
 * grant_audit). Lake Formation holds the grants; this says who changed them, when, and with
 * which command line. A batch of entries is one INSERT: all recorded or none.
 */
export function createPostgresAuditTrail(db: Postgres): AuditTrail {
  return {
    async record(entries) {
      if (entries.length === 0) return
      const column = <T>(pick: (entry: AuditEntry) => T): T[] => entries.map(pick)
      await db.query(
        `INSERT INTO grant_audit (at, actor, action, principal, detail, command_line)
         SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[])`,
        [
          column((e) => e.at),
          column((e) => e.actor),
          column((e) => e.action),
          column((e) => e.grant?.principal ?? null),
          column(({grant, resource, tags}) => JSON.stringify(grant ? {grant} : {resource, tags})),
          column((e) => e.commandLine),
        ],
      )
    },

    async history(filter) {
      const {rows} = await db.query<AuditRow>(
        `SELECT at, actor, action, detail, command_line FROM grant_audit
         WHERE $1::text IS NULL OR principal = $1 ORDER BY id DESC LIMIT $2`,
        [filter.principal ?? null, filter.limit ?? null],
      )
      return rows.map((row) => ({
        at: row.at.toISOString(),
        actor: row.actor,
        action: row.action,
        ...row.detail,
        commandLine: row.command_line,
      }))
    },
  }
}
