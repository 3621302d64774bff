import {mkdirSync} from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'

import {LabmeshError} from '../../errors.js'
import {migrate} from './migrations.js'

/** The page cache of a connection: what a search of a 100,000-file workspace reads stays in it. */
export const CACHE_KIB = 64 * 1024

/** Opens (creating and migrating) the workspace's SQLite database in WAL mode. */
export function openDatabase(file: string): Database.Database {
  mkdirSync(path.dirname(file), {recursive: true})
  let db: Database.Database
  try {
    db = new Database(file)
  } catch (error) {
    throw new LabmeshError('BACKEND', `cannot open the workspace database ${file}: ${(error as Error).message}`, {cause: error})
  }
  db.pragma('journal_mode = WAL')
  // WAL + NORMAL stays consistent on a crash; a power cut may drop the last records, which a re-run restores.
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 10000')
  db.pragma('foreign_keys = ON')
  // Pages kept in memory per connection (KiB when negative; SQLite's default is 2 MiB). A search
  // reads the entries and index pages of thousands of matches: with 2 MiB, each query evicts what
  // the next needs (a long-lived `labmesh serve`), and reads them back from the file. Only pages
  // read take memory, so a short command that reads little costs no more.
  db.pragma(`cache_size = -${CACHE_KIB}`)
  try {
    migrate(db)
  } catch (error) {
    db.close()
    throw new LabmeshError('BACKEND', (error as Error).message, {cause: error})
  }
  return db
}
