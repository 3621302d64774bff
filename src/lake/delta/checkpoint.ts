import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {withConnection} from '../duckdb.js'
import {LabmeshError} from '../../errors.js'
import type {MetadataAction} from './actions.js'
import {type LastCheckpoint, readLastCheckpoint} from './log-reader.js'
import {checkpointPaths, LAST_CHECKPOINT_PATH} from './paths.js'
import type {Snapshot} from './snapshot.js'
import type {LakeStorage} from './storage.js'

/** Parquet checkpoints: the whole state of a version, so readers need not replay every commit before it. */

export const DEFAULT_CHECKPOINT_INTERVAL = 10

/** How long removed files stay in checkpoints as tombstones (`delta.deletedFileRetentionDuration`, default 1 week). */
export const DEFAULT_TOMBSTONE_RETENTION_HOURS = 168

const MAP = 'MAP(VARCHAR, VARCHAR)'

/** The checkpoint schema of PROTOCOL.md "Checkpoint Schema" (the columns this library writes). */
const CHECKPOINT_COLUMNS: Array<[string, string]> = [
  ['txn', 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)'],
  [
    'add',
    `STRUCT(path VARCHAR, partitionValues ${MAP}, size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags ${MAP})`,
  ],
  [
    'remove',
    `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues ${MAP}, size BIGINT, tags ${MAP})`,
  ],
  [
    'metaData',
    `STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options ${MAP}), schemaString VARCHAR, partitionColumns VARCHAR[], configuration ${MAP}, createdTime BIGINT)`,
  ],
  ['protocol', 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])'],
]

/** `delta.checkpointInterval`: a checkpoint is written after every this many commits. */
export function checkpointInterval(metadata: MetadataAction): number {
  const configured = Number(metadata.configuration['delta.checkpointInterval'])
  return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_CHECKPOINT_INTERVAL
}

/** `delta.deletedFileRetentionDuration` ("interval 7 days") in hours. */
export function tombstoneRetentionHours(metadata: MetadataAction): number {
  const configured = metadata.configuration['delta.deletedFileRetentionDuration']
  const match = configured ? /^\s*interval\s+(\d+)\s+(week|day|hour|minute|second)s?\s*$/i.exec(configured) : null
  if (!match) return DEFAULT_TOMBSTONE_RETENTION_HOURS
  const hours: Record<string, number> = {week: 168, day: 24, hour: 1, minute: 1 / 60, second: 1 / 3600}
  return Number(match[1]) * hours[match[2].toLowerCase()]
}

export interface CheckpointOptions {
  /** Split the actions over this many files (`N.checkpoint.k.n.parquet`); default 1. */
  parts?: number
  /** The current time, for deciding which tombstones have expired. */
  now?: number
}

/**
 * Writes the checkpoint of `snapshot` and points `_last_checkpoint` at it. Each part is created
 * only if absent, so a concurrent writer of the same checkpoint cannot leave a torn file.
 */
export async function writeCheckpoint(storage: LakeStorage, snapshot: Snapshot, options: CheckpointOptions = {}): Promise<LastCheckpoint> {
  const parts = options.parts ?? 1
  if (!Number.isInteger(parts) || parts < 1) throw new LabmeshError('INVALID_INPUT', `a checkpoint has at least one part, not ${parts}`)
  const actions = checkpointActions(snapshot, options.now ?? Date.now())
  const paths = checkpointPaths(snapshot.version, parts)
  const perPart = Math.ceil(actions.length / parts)
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'labmesh-checkpoint-'))
  let sizeInBytes = 0
  try {
    for (const [i, target] of paths.entries()) {
      const bytes = await toParquet(actions.slice(i * perPart, (i + 1) * perPart), scratch, i)
      sizeInBytes += bytes.length
      try {
        await storage.log.putIfAbsent(target, bytes)
      } catch (error) {
        // Another writer checkpointed this version first; its parts describe the same state.
        if (!(error instanceof LabmeshError && error.code === 'CONFLICT')) throw error
      }
    }
  } finally {
    await rm(scratch, {recursive: true, force: true})
  }
  const last: LastCheckpoint = {
    version: snapshot.version,
    size: actions.length,
    ...(parts > 1 ? {parts} : {}),
    sizeInBytes,
    numOfAddFiles: snapshot.files.length,
  }
  const previous = await readLastCheckpoint(storage)
  // Never move the hint backwards when a slower writer finishes an older checkpoint last.
  if (!previous || previous.version < last.version) await storage.objects.put(LAST_CHECKPOINT_PATH, JSON.stringify(last))
  return last
}

/** The rows of a checkpoint: protocol, metadata, app transactions, active files and unexpired tombstones. */
function checkpointActions(snapshot: Snapshot, now: number): object[] {
  const {protocol, metadata} = snapshot
  const cutoff = now - tombstoneRetentionHours(metadata) * 3600_000
  return [
    {
      protocol: {
        minReaderVersion: protocol.minReaderVersion,
        minWriterVersion: protocol.minWriterVersion,
        // Feature lists must be null unless the versions are the table-features ones (3 and 7).
        readerFeatures: protocol.minReaderVersion === 3 ? (protocol.readerFeatures ?? []) : null,
        writerFeatures: protocol.minWriterVersion === 7 ? (protocol.writerFeatures ?? []) : null,
      },
    },
    {metaData: metadata},
    ...[...snapshot.transactions.values()].map((txn) => ({txn})),
    ...snapshot.files.map((add) => ({
      add: {
        path: add.path,
        partitionValues: add.partitionValues,
        size: add.size,
        modificationTime: add.modificationTime,
        dataChange: false,
        stats: add.stats ?? null,
        tags: add.tags ?? null,
      },
    })),
    ...snapshot.tombstones
      .filter((remove) => (remove.deletionTimestamp ?? 0) > cutoff)
      .map((remove) => ({
        remove: {
          path: remove.path,
          deletionTimestamp: remove.deletionTimestamp ?? null,
          dataChange: false,
          extendedFileMetadata: remove.extendedFileMetadata ?? null,
          partitionValues: remove.partitionValues ?? null,
          size: remove.size ?? null,
          tags: remove.tags ?? null,
        },
      })),
  ]
}

/** The actions as one Parquet file with the checkpoint schema, built by DuckDB from JSON lines. */
async function toParquet(actions: object[], scratch: string, index: number): Promise<Buffer> {
  const json = path.join(scratch, `part-${index}.json`)
  const parquet = path.join(scratch, `part-${index}.parquet`)
  await writeFile(json, actions.map((a) => JSON.stringify(a)).join('\n') + '\n')
  const columns = `{${CHECKPOINT_COLUMNS.map(([name, type]) => `${name}: '${type}'`).join(', ')}}`
  await withConnection((connection) =>
    connection.run(
      `COPY (SELECT ${CHECKPOINT_COLUMNS.map(([name]) => `"${name}"`).join(', ')} FROM read_json($json, format = 'newline_delimited', columns = ${columns})) TO $parquet (FORMAT parquet, COMPRESSION snappy)`,
      {json, parquet},
    ),
  )
  return readFile(parquet)
}
