import path from 'node:path'
import type {Database} from 'better-sqlite3'

import {LabmeshError} from '../../errors.js'
import type {Catalog, CatalogEntry, TableRef} from '../types.js'
import {workspaceExposure, type WorkspaceFolders} from './workspace-folders.js'

interface CatalogRow {
  database: string
  name: string
  location: string
  managed: number
  registered_at: string
}

// Names DuckDB views take unquoted in labmesh's own SQL: letters, digits, _ and -.
const NAME = /^[A-Za-z_][\w-]*$/

/**
 * The local catalog: table registrations in the workspace database; managed tables under `lake/`.
 * Schemas are not kept here: the Delta log is read for them. A table folder must keep the
 * workspace out of queries' reach (workspace-folders.ts). Managed locations are stored relative
 * to the lake folder, so a workspace copied or moved elsewhere still writes its own tables; a
 * table registered from elsewhere keeps its absolute path.
 */
export function createLocalCatalog(db: Database, workspace: WorkspaceFolders): Catalog {
  const toEntry = (row: CatalogRow): CatalogEntry => ({
    database: row.database,
    table: row.name,
    location: path.resolve(workspace.lake, row.location),
    managed: row.managed === 1,
    registeredAt: row.registered_at,
  })
  const stored = (location: string): string => {
    const relative = path.relative(workspace.lake, location)
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : location
  }
  const statements = {
    all: db.prepare<[], CatalogRow>('SELECT * FROM catalog_tables ORDER BY database, name'),
    inDatabase: db.prepare<[string], CatalogRow>('SELECT * FROM catalog_tables WHERE database = ? ORDER BY name'),
    get: db.prepare<[string, string], CatalogRow>('SELECT * FROM catalog_tables WHERE database = ? AND name = ?'),
    upsert: db.prepare(`INSERT INTO catalog_tables (database, name, location, managed, registered_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (database, name) DO UPDATE SET location = excluded.location, managed = excluded.managed, registered_at = excluded.registered_at`),
    delete: db.prepare('DELETE FROM catalog_tables WHERE database = ? AND name = ?'),
  }
  const catalog: Catalog = {
    async list(database) {
      return (database ? statements.inDatabase.all(database) : statements.all.all()).map(toEntry)
    },
    async get(ref) {
      const row = statements.get.get(ref.database, ref.table)
      return row ? toEntry(row) : undefined
    },
    async register(entry, _schema, options = {}) {
      catalog.checkNames(entry)
      const exposure = workspaceExposure(entry.location, workspace)
      if (exposure)
        throw new LabmeshError('INVALID_INPUT', `cannot register ${entry.database}.${entry.table}: ${exposure}`, {
          subject: entry.location,
          suggestions: [
            "register the table's own folder (the one holding its _delta_log), outside the workspace",
            'or keep the workspace elsewhere (LABMESH_HOME, or the profile home)',
          ],
        })
      const row = statements.get.get(entry.database, entry.table)
      const existing = row && toEntry(row)
      if (existing && !options.replace && (existing.location !== entry.location || existing.managed !== entry.managed)) {
        throw new LabmeshError('CONFLICT', `${entry.database}.${entry.table} is registered already, at ${existing.location}`, {
          subject: `${entry.database}.${entry.table}`,
          suggestions: ['pass --force to point it elsewhere'],
        })
      }
      if (existing && !options.replace) return existing
      const registeredAt = new Date().toISOString()
      const location = entry.managed ? stored(entry.location) : entry.location
      statements.upsert.run(entry.database, entry.table, location, entry.managed ? 1 : 0, registeredAt)
      return {...entry, registeredAt}
    },
    async unregister(ref) {
      return statements.delete.run(ref.database, ref.table).changes === 1
    },
    async updateSchema() {
      // The log holds the schema; there is nothing to keep in step.
    },
    checkNames(ref) {
      for (const name of [ref.database, ref.table]) {
        if (!NAME.test(name)) {
          throw new LabmeshError('INVALID_INPUT', `"${name}" cannot name a database or table: use letters, digits, _ and -`, {
            subject: `${ref.database}.${ref.table}`,
          })
        }
      }
    },
    managedLocation(ref: TableRef) {
      return path.join(workspace.lake, ref.database, ref.table)
    },
  }
  return catalog
}
