import type {Database} from 'better-sqlite3'

import {whoAndWhere} from '../../config/audit-file.js'
import type {AuditLogEntry, AuditLog} from '../types.js'

interface AuditRow {
  at: string
  action: string
  subject: string
  detail: string
  user: string
  host: string
}

/** Who deleted what, and when: a table of the workspace database. */
export function createSqliteAuditLog(db: Database): AuditLog {
  const statements = {
    insert: db.prepare('INSERT INTO audit_log (at, action, subject, detail, user, host) VALUES (?, ?, ?, ?, ?, ?)'),
    list: db.prepare<[string, number], AuditRow>(
      'SELECT at, action, subject, detail, user, host FROM audit_log WHERE at >= ? ORDER BY id DESC LIMIT ?',
    ),
  }
  return {
    async record(action, subject, detail = {}) {
      const entry: AuditLogEntry = {at: new Date().toISOString(), action, subject, detail, ...whoAndWhere()}
      statements.insert.run(entry.at, action, subject, JSON.stringify(detail), entry.user, entry.host)
      return entry
    },
    async list(options = {}) {
      return statements.list
        .all(options.since ?? '', options.limit ?? -1)
        .map((row) => ({...row, detail: JSON.parse(row.detail) as Record<string, unknown>}))
    },
  }
}
