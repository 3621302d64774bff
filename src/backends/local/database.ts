import {mkdirSync} from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'

import {LabmeshError} from '../../errors.js'
import {migrate} from './migrations.js'

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
  try {
    migrate(db)
  } catch (error) {
    db.close()
    throw new LabmeshError('BACKEND', (error as Error).message, {cause: error})
  }
  return db
}
