import path from 'node:path'
import Database from 'better-sqlite3'

/** Registers a table as a labmesh from before `catalog register` checked folders could: straight into the workspace database. */
export function registerUnchecked(home: string, database: string, table: string, location: string): void {
  const db = new Database(path.join(home, 'labmesh.db'))
  try {
    db.prepare('INSERT INTO catalog_tables (database, name, location, managed, registered_at) VALUES (?, ?, ?, 0, ?)').run(
      database,
      table,
      location,
      new Date().toISOString(),
    )
  } finally {
    db.close()
  }
}
