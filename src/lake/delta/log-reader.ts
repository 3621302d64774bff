import {listValue} from '@duckdb/node-api'

import {withConnection} from '../duckdb.js'
import {isLabmeshError, LabmeshError} from '../../errors.js'
import {type Action, parseCommit} from './actions.js'
import {commitPath, LAST_CHECKPOINT_PATH, LOG_DIR, parseLogFileName} from './paths.js'
import {type LakeStorage, listAll, type StoredObject} from './storage.js'

/** Reading the files of `_delta_log`: listing, JSON commits, Parquet checkpoints and `_last_checkpoint`. */

export interface CommitFile extends StoredObject {
  version: number
}

export interface CheckpointFiles {
  version: number
  /** Every part's path, in part order. */
  paths: string[]
}

export interface LogListing {
  /** JSON commits, ascending by version. */
  commits: CommitFile[]
  /** Complete classic checkpoints (all parts present), ascending by version. */
  checkpoints: CheckpointFiles[]
}

/** `_delta_log/_last_checkpoint` (PROTOCOL.md "Last Checkpoint File Schema"). */
export interface LastCheckpoint {
  version: number
  size: number
  parts?: number
  sizeInBytes?: number
  numOfAddFiles?: number
}

/** The log's commits and checkpoints; with `fromVersion`, only those at or after it. */
export async function listLog(storage: LakeStorage, fromVersion?: number): Promise<LogListing> {
  // Names of version v and later sort after the bare zero-padded number of v.
  const startAfter = fromVersion === undefined ? undefined : `${LOG_DIR}/${String(fromVersion).padStart(20, '0')}`
  const objects = await listAll(storage.objects, `${LOG_DIR}/`, startAfter)
  const commits: CommitFile[] = []
  const parts = new Map<string, {version: number; count: number; paths: Map<number, string>}>()
  for (const object of objects) {
    const name = parseLogFileName(object.path.slice(LOG_DIR.length + 1))
    if (name?.kind === 'commit') commits.push({...object, version: name.version})
    else if (name?.kind === 'checkpoint') {
      const key = `${name.version}/${name.parts}`
      const entry = parts.get(key) ?? {version: name.version, count: name.parts, paths: new Map<number, string>()}
      entry.paths.set(name.part, object.path)
      parts.set(key, entry)
    }
  }
  const checkpoints: CheckpointFiles[] = []
  for (const entry of parts.values()) {
    // A checkpoint with a missing part is being written, or was abandoned: it must not be used.
    if (entry.paths.size !== entry.count) continue
    if (checkpoints.some((c) => c.version === entry.version)) continue
    checkpoints.push({version: entry.version, paths: [...entry.paths.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p)})
  }
  commits.sort((a, b) => a.version - b.version)
  checkpoints.sort((a, b) => a.version - b.version)
  return {commits, checkpoints}
}

/** The actions of one JSON commit. */
export async function readCommit(storage: LakeStorage, version: number): Promise<Action[]> {
  const path = commitPath(version)
  return parseCommit((await storage.objects.get(path)).toString('utf8'), path)
}

/** `_last_checkpoint`, or undefined when there is none or it cannot be parsed (it is only a hint). */
export async function readLastCheckpoint(storage: LakeStorage): Promise<LastCheckpoint | undefined> {
  let text: string
  try {
    text = (await storage.objects.get(LAST_CHECKPOINT_PATH)).toString('utf8')
  } catch (error) {
    if (isLabmeshError(error, 'NOT_FOUND')) return undefined
    throw error
  }
  try {
    const parsed = JSON.parse(text) as Partial<LastCheckpoint>
    return typeof parsed.version === 'number' && Number.isInteger(parsed.version) ? (parsed as LastCheckpoint) : undefined
  } catch {
    return undefined
  }
}

// Action columns of a classic checkpoint; v2 checkpoints add `checkpointMetadata` and `sidecar`.
const CHECKPOINT_ACTIONS = ['add', 'remove', 'metaData', 'protocol', 'txn']
const V2_ONLY_ACTIONS = ['checkpointMetadata', 'sidecar']

/** The actions stored in a (possibly multi-part) Parquet checkpoint. */
export async function readCheckpoint(storage: LakeStorage, checkpoint: CheckpointFiles): Promise<Action[]> {
  const files = {files: listValue(await Promise.all(checkpoint.paths.map((p) => storage.engine.localPath(p))))}
  const source = `read_parquet($files, union_by_name = true, hive_partitioning = false)`
  return withConnection(async (connection) => {
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`, files)
    const present = new Set(described.getRowObjectsJson().map((row) => String(row.column_name)))
    if (V2_ONLY_ACTIONS.some((c) => present.has(c))) {
      const reader = await connection.runAndReadAll(
        `SELECT count(*) AS n FROM ${source} WHERE ${V2_ONLY_ACTIONS.filter((c) => present.has(c))
          .map((c) => `"${c}" IS NOT NULL`)
          .join(' OR ')}`,
        files,
      )
      if (Number(reader.getRowObjectsJson()[0].n) > 0) {
        throw new LabmeshError(
          'UNSUPPORTED',
          `checkpoint ${checkpoint.paths[0]} is a v2 checkpoint (feature v2Checkpoint), which this version cannot read`,
          {
            subject: checkpoint.paths[0],
          },
        )
      }
    }
    const columns = CHECKPOINT_ACTIONS.filter((c) => present.has(c))
    if (columns.length === 0) return []
    // to_json keeps maps as JSON objects and longs as numbers: the shapes the JSON commits use.
    const reader = await connection.runAndReadAll(
      `SELECT ${columns.map((c) => `to_json("${c}") AS "${c}"`).join(', ')} FROM ${source}`,
      files,
    )
    const actions: Action[] = []
    for (const row of reader.getRowObjectsJson()) {
      for (const column of columns) {
        const value = row[column]
        if (typeof value === 'string') actions.push({[column]: JSON.parse(value) as unknown})
      }
    }
    return actions
  })
}
