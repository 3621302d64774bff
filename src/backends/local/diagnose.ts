import {constants} from 'node:fs'
import {access, statfs} from 'node:fs/promises'
import type {Database} from 'better-sqlite3'

import type {HealthCheck} from '../types.js'
import {MIGRATIONS} from './migrations.js'

/** The local workspace's checks for `labmesh doctor`: folder writable, disk space, database migrated, lake copy caught up. */
export async function diagnoseWorkspace(layout: {home: string; database: string}, db: Database): Promise<HealthCheck[]> {
  const checks: HealthCheck[] = []
  try {
    await access(layout.home, constants.W_OK)
    const space = await statfs(layout.home)
    const free = space.bavail * space.bsize
    checks.push(
      free < 1024 ** 3
        ? {name: 'workspace', status: 'warn', detail: `${layout.home}: ${(free / 1024 ** 2).toFixed(0)} MiB free`, fix: 'free disk space'}
        : {name: 'workspace', status: 'ok', detail: `${layout.home} (${(free / 1024 ** 3).toFixed(1)} GiB free)`},
    )
  } catch (error) {
    checks.push({
      name: 'workspace',
      status: 'fail',
      detail: `${layout.home} is not writable: ${(error as Error).message}`,
      fix: 'set LABMESH_HOME to a folder you can write',
    })
  }
  const schema = db.pragma('user_version', {simple: true}) as number
  checks.push({name: 'database', status: 'ok', detail: `${layout.database}, schema ${schema} of ${MIGRATIONS.length}`})
  const {pending} = db
    .prepare<[], {pending: number}>("SELECT count(DISTINCT file_id) AS pending FROM file_outbox WHERE consumer = 'lake'")
    .get()!
  checks.push(
    pending > 0
      ? {
          name: 'lab.files',
          status: 'warn',
          detail: `${pending} file changes are not in lab.files yet`,
          fix: 'run `labmesh ingest`, `labmesh convert` or `labmesh files label`: each brings lab.files up to date',
        }
      : {name: 'lab.files', status: 'ok', detail: 'every file change is in lab.files'},
  )
  return checks
}
