import {whoAndWhere} from '../../../config/audit-file.js'
import type {AuditLogEntry, AuditLog} from '../../types.js'
import type {Postgres} from './connection.js'

interface AuditRow {
  at: Date
  action: string
  subject: string
  detail: Record<string, unknown>
  user_name: string
  host: string
}

/** Who deleted what, and when: a table of the metadata database, shared by everyone using the profile. */
export function createPostgresAuditLog(db: Postgres): AuditLog {
  return {
    async record(action, subject, detail = {}) {
      const entry: AuditLogEntry = {at: new Date().toISOString(), action, subject, detail, ...whoAndWhere()}
      await db.query('INSERT INTO audit_log (at, action, subject, detail, user_name, host) VALUES ($1, $2, $3, $4, $5, $6)', [
        entry.at,
        action,
        subject,
        JSON.stringify(detail),
        entry.user,
        entry.host,
      ])
      return entry
    },
    async list(options = {}) {
      const {rows} = await db.query<AuditRow>(
        'SELECT at, action, subject, detail, user_name, host FROM audit_log WHERE at >= $1 ORDER BY id DESC LIMIT $2',
        [options.since ?? '-infinity', options.limit ?? null],
      )
      return rows.map((row) => ({
        at: row.at.toISOString(),
        action: row.action,
        subject: row.subject,
        detail: row.detail,
        user: row.user_name,
        host: row.host,
      }))
    },
  }
}
