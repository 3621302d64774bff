import path from 'node:path'
import type {Database} from 'better-sqlite3'

import {LabmeshError} from '../../errors.js'
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

// Names DuckDB views take unquoted in labmesh's own SQL: letters, digits, _ and -.
const NAME = /^[A-Za-z_][\w-]*$/

/**
 * The local catalog: table registrations in the workspace database; managed tables under `lake/`.
 * Schemas are not kept here: the Delta log is read for them.
 */
export function createLocalCatalog(db: Database, lakeRoot: string): Catalog {
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
      return path.join(lakeRoot, ref.database, ref.table)
    },
  }
  return catalog
}
