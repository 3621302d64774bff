import type {Database} from 'better-sqlite3'

import {LabmeshError} from '../../errors.js'
import {type Grant, type Permission, resourceFromKey, resourceKey, restrictionFromKey, restrictionKey} from '../../sharing/grant.js'
import type {Tag} from '../../sharing/tags.js'
import type {AuditContext, AuditEntry, GrantStore, TaggedResource} from '../types.js'

interface GrantRow {
  principal: string
  resource: string
  restriction: string
  permission: Permission
  grantable: number
}

interface AuditRow {
  at: string
  actor: string
  action: AuditEntry['action']
  detail: string
  command_line: string
}

/**
 * Grants, tags and their audit trail in the workspace database. A batch of changes is one
 * transaction with its audit rows: either all of it happened and is recorded, or none.
 */
export function createSqliteGrantStore(db: Database): GrantStore {
  const statements = {
    all: db.prepare<[], GrantRow>('SELECT * FROM grants ORDER BY principal, resource, restriction, permission'),
    ofPrincipal: db.prepare<[string], GrantRow>('SELECT * FROM grants WHERE principal = ? ORDER BY resource, restriction, permission'),
    grant: db.prepare(`INSERT INTO grants (principal, resource, restriction, permission, grantable, granted_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (principal, resource, restriction, permission) DO UPDATE SET grantable = excluded.grantable, granted_at = excluded.granted_at`),
    revoke: db.prepare('DELETE FROM grants WHERE principal = ? AND resource = ? AND restriction = ? AND permission = ?'),
    audit: db.prepare('INSERT INTO grant_audit (at, actor, action, principal, detail, command_line) VALUES (?, ?, ?, ?, ?, ?)'),
    history: db.prepare<[{principal: string | null; limit: number}], AuditRow>(
      'SELECT * FROM grant_audit WHERE (@principal IS NULL OR principal = @principal) ORDER BY id DESC LIMIT @limit',
    ),
    tags: db.prepare<[], {database: string; table_name: string; key: string; value: string}>(
      'SELECT * FROM resource_tags ORDER BY database, table_name, key',
    ),
    tagsOf: db.prepare<[string, string], Tag>('SELECT key, value FROM resource_tags WHERE database = ? AND table_name = ? ORDER BY key'),
    setTag: db.prepare(`INSERT INTO resource_tags (database, table_name, key, value) VALUES (?, ?, ?, ?)
      ON CONFLICT (database, table_name, key) DO UPDATE SET value = excluded.value`),
    removeTag: db.prepare('DELETE FROM resource_tags WHERE database = ? AND table_name = ? AND key = ?'),
  }
  const record = (audit: AuditContext, at: string, action: AuditEntry['action'], principal: string | null, detail: object): void =>
    void statements.audit.run(at, audit.actor, action, principal, JSON.stringify(detail), audit.commandLine)

  return {
    async list(filter = {}) {
      const rows = filter.principal === undefined ? statements.all.all() : statements.ofPrincipal.all(filter.principal)
      return rows.map((row): Grant => ({
        principal: row.principal,
        resource: resourceFromKey(row.resource),
        permissions: [row.permission],
        grantable: row.grantable === 1,
        ...restrictionFromKey(row.restriction),
      }))
    },

    async apply(changes, audit, options = {}) {
      if (options.targetRegion !== undefined)
        throw new LabmeshError(
          'UNSUPPORTED',
          'the local backend has no Regions: --target-region shares through Lake Formation on the aws backend',
        )
      const at = new Date().toISOString()
      const ordered = [...changes.filter((c) => c.action === 'revoke'), ...changes.filter((c) => c.action === 'grant')]
      db.transaction(() => {
        for (const {action, grant} of ordered) {
          const key = [grant.principal, resourceKey(grant.resource), restrictionKey(grant)] as const
          for (const permission of grant.permissions) {
            if (action === 'grant') statements.grant.run(...key, permission, grant.grantable ? 1 : 0, at)
            else statements.revoke.run(...key, permission)
          }
          record(audit, at, action, grant.principal, {grant})
        }
      })()
      return ordered.map((change) => ({...change}))
    },

    async history(filter = {}) {
      return statements.history.all({principal: filter.principal ?? null, limit: filter.limit ?? -1}).map((row) => ({
        at: row.at,
        actor: row.actor,
        action: row.action,
        ...(JSON.parse(row.detail) as Pick<AuditEntry, 'grant' | 'resource' | 'tags'>),
        commandLine: row.command_line,
      }))
    },

    async listTags() {
      const byResource = new Map<string, {resource: TaggedResource; tags: Tag[]}>()
      for (const row of statements.tags.all()) {
        const id = JSON.stringify([row.database, row.table_name])
        const entry = byResource.get(id) ?? {
          resource: {database: row.database, ...(row.table_name ? {table: row.table_name} : {})},
          tags: [],
        }
        entry.tags.push({key: row.key, value: row.value})
        byResource.set(id, entry)
      }
      return [...byResource.values()]
    },

    async tag(resource, set, remove, audit) {
      const at = new Date().toISOString()
      const table = resource.table ?? ''
      db.transaction(() => {
        const removed = statements.tagsOf.all(resource.database, table).filter((t) => remove.includes(t.key))
        for (const tag of set) statements.setTag.run(resource.database, table, tag.key, tag.value)
        for (const {key} of removed) statements.removeTag.run(resource.database, table, key)
        if (set.length > 0) record(audit, at, 'tag', null, {resource, tags: set})
        if (removed.length > 0) record(audit, at, 'untag', null, {resource, tags: removed})
      })()
      return statements.tagsOf.all(resource.database, table)
    },
  }
}
