import path from 'node:path'
import type {Database} from 'better-sqlite3'

import {LabmeshError} from '../../errors.js'
import {LocalLakeStorage} from '../../lake/delta/local-storage.js'
import type {Catalog, CatalogEntry, TableRef} from '../types.js'

interface CatalogRow {
  database: string
  name: string
  location: string
  managed: number
  registered_at: string
}

const toEntry = (row: CatalogRow): CatalogEntry => ({
  database: row.database,
  table: row.name,
  location: row.location,
  managed: row.managed === 1,
  registeredAt: row.registered_at,
})

/** The local catalog: table registrations in the workspace database; managed tables under `lake/`. */
export function createLocalCatalog(db: Database, lakeRoot: string): Catalog {
  const statements = {
    all: db.prepare<[], CatalogRow>('SELECT * FROM catalog_tables ORDER BY database, name'),
    inDatabase: db.prepare<[string], CatalogRow>('SELECT * FROM catalog_tables WHERE database = ? ORDER BY name'),
    get: db.prepare<[string, string], CatalogRow>('SELECT * FROM catalog_tables WHERE database = ? AND name = ?'),
    upsert: db.prepare(`INSERT INTO catalog_tables (database, name, location, managed, registered_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (database, name) DO UPDATE SET location = excluded.location, managed = excluded.managed, registered_at = excluded.registered_at`),
    delete: db.prepare('DELETE FROM catalog_tables WHERE database = ? AND name = ?'),
  }
  return {
    async list(database) {
      return (database ? statements.inDatabase.all(database) : statements.all.all()).map(toEntry)
    },
    async get(ref) {
      const row = statements.get.get(ref.database, ref.table)
      return row ? toEntry(row) : undefined
    },
    async register(entry, options = {}) {
      const existing = statements.get.get(entry.database, entry.table)
      if (existing && !options.replace && (existing.location !== entry.location || existing.managed !== Number(entry.managed))) {
        throw new LabmeshError('CONFLICT', `${entry.database}.${entry.table} is registered already, at ${existing.location}`, {
          subject: `${entry.database}.${entry.table}`,
          suggestions: ['pass --force to point it elsewhere'],
        })
      }
      if (existing && !options.replace) return toEntry(existing)
      const registeredAt = new Date().toISOString()
      statements.upsert.run(entry.database, entry.table, entry.location, entry.managed ? 1 : 0, registeredAt)
      return {...entry, registeredAt}
    },
    async unregister(ref) {
      return statements.delete.run(ref.database, ref.table).changes === 1
    },
    managedLocation(ref: TableRef) {
      return path.join(lakeRoot, ref.database, ref.table)
    },
    storage(location) {
      return new LocalLakeStorage(location)
    },
  }
}
