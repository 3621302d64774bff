import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {withConnection} from '../../../src/lake/duckdb.js'
import {LocalLakeStorage} from '../../../src/lake/delta/local-storage.js'

/** A fresh directory under the system temp folder for one table; `remove` deletes it. */
export async function tempDir(prefix = 'labmesh-delta-'): Promise<{dir: string; storage: LocalLakeStorage; remove: () => Promise<void>}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
  return {dir, storage: new LocalLakeStorage(dir), remove: () => rm(dir, {recursive: true, force: true})}
}

/** Rows of a SELECT as JSON-friendly objects (longs as strings, timestamps as text). */
export async function query(sql: string): Promise<Array<Record<string, unknown>>> {
  return withConnection(async (connection) => (await connection.runAndReadAll(sql)).getRowObjectsJson())
}
