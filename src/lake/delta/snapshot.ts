import pLimit from 'p-limit'

import {LabmeshError} from '../../errors.js'
import {
  type Action,
  type AddAction,
  deletionVectorId,
  isAdd,
  isMetadata,
  isProtocol,
  isRemove,
  isTxn,
  type MetadataAction,
  type ProtocolAction,
  type RemoveAction,
  type TxnAction,
} from './actions.js'
import {commitTimestamp, versionAtTimestamp} from './history.js'
import {type CheckpointFiles, listLog, type LogListing, readCheckpoint, readCommit, readLastCheckpoint} from './log-reader.js'
import {parseSchema, type StructType} from './schema.js'
import type {LakeStorage} from './storage.js'

/** The state of a table at one version: protocol, metadata, active files and tombstones. */
export class Snapshot {
  readonly schema: StructType

  constructor(
    readonly location: string,
    readonly version: number,
    /** When this version was committed (ms since the epoch). */
    readonly timestamp: number,
    readonly protocol: ProtocolAction,
    readonly metadata: MetadataAction,
    /** The files whose rows make up the table at this version. */
    readonly files: AddAction[],
    /** Removed files, kept so vacuum knows when they stopped being part of the table. */
    readonly tombstones: RemoveAction[],
    /** Application transaction versions by appId (idempotent writers). */
    readonly transactions: Map<string, TxnAction>,
  ) {
    this.schema = parseSchema(metadata.schemaString, location)
  }

  /** The same files under other metadata: how a write sees the table once its schema change lands. */
  withMetadata(metadata: MetadataAction): Snapshot {
    return new Snapshot(
      this.location,
      this.version,
      this.timestamp,
      this.protocol,
      metadata,
      this.files,
      this.tombstones,
      this.transactions,
    )
  }

  get partitionColumns(): string[] {
    return this.metadata.partitionColumns
  }

  get configuration(): Record<string, string> {
    return this.metadata.configuration
  }
}

export interface SnapshotOptions {
  /** Read this version instead of the latest. */
  version?: number
  /** Read the latest version committed at or before this time. */
  timestamp?: Date | number
}

const READ_CONCURRENCY = 16

/** Replays the log (from the newest usable checkpoint) up to the version asked for. */
export async function loadSnapshot(storage: LakeStorage, options: SnapshotOptions = {}): Promise<Snapshot> {
  if (options.version !== undefined && options.timestamp !== undefined) {
    throw new LabmeshError('INVALID_INPUT', 'read a table at a version or at a time, not both')
  }
  const target =
    options.timestamp === undefined ? options.version : await versionAtTimestamp(storage, new Date(options.timestamp).getTime())
  const listing = await listingFor(storage, target)
  const latest = [...listing.commits, ...listing.checkpoints].reduce((max, c) => Math.max(max, c.version), -1)
  if (latest < 0)
    throw new LabmeshError('NOT_FOUND', `${storage.location} is not a Delta table (no _delta_log commits)`, {subject: storage.location})
  const version = target ?? latest
  if (version > latest || version < 0) {
    throw new LabmeshError('NOT_FOUND', `version ${version} of ${storage.location} does not exist; the latest is ${latest}`, {
      subject: storage.location,
    })
  }
  const checkpoint = listing.checkpoints.filter((c) => c.version <= version).at(-1)
  const first = checkpoint ? checkpoint.version + 1 : 0
  const files = listing.commits.filter((c) => c.version >= first && c.version <= version)
  for (let expected = first, i = 0; expected <= version; expected++, i++) {
    if (files[i]?.version !== expected) {
      throw new LabmeshError('NOT_FOUND', `version ${version} of ${storage.location} cannot be rebuilt: commit ${expected} is missing`, {
        subject: storage.location,
        suggestions: ['the log before the oldest checkpoint may have been cleaned up; read a later version'],
      })
    }
  }

  const replay = new LogReplay()
  if (checkpoint) replay.apply(await readCheckpoint(storage, checkpoint))
  const limit = pLimit(READ_CONCURRENCY)
  const commits = await Promise.all(files.map((file) => limit(() => readCommit(storage, file.version))))
  for (const actions of commits) replay.apply(actions)

  const commitFile = listing.commits.find((c) => c.version === version)
  let timestamp: number
  if (commitFile) timestamp = commitTimestamp(commits.at(-1) ?? (await readCommit(storage, version)), commitFile)
  else timestamp = Math.floor((await storage.objects.head((checkpoint as CheckpointFiles).paths[0]))?.mtime ?? 0)
  return replay.snapshot(storage.location, version, timestamp)
}

/** Action reconciliation (PROTOCOL.md): the latest protocol and metadata win; files are keyed by path and deletion vector. */
export class LogReplay {
  private protocol?: ProtocolAction
  private metadata?: MetadataAction
  private readonly files = new Map<string, AddAction>()
  private readonly tombstones = new Map<string, RemoveAction>()
  private readonly transactions = new Map<string, TxnAction>()

  apply(actions: Action[]): void {
    for (const action of actions) {
      if (isAdd(action)) {
        const key = fileKey(action.add.path, deletionVectorId(action.add.deletionVector))
        this.files.set(key, action.add)
        this.tombstones.delete(key)
      } else if (isRemove(action)) {
        const key = fileKey(action.remove.path, deletionVectorId(action.remove.deletionVector))
        this.files.delete(key)
        this.tombstones.set(key, action.remove)
      } else if (isMetadata(action)) this.metadata = action.metaData
      else if (isProtocol(action)) this.protocol = action.protocol
      else if (isTxn(action)) this.transactions.set(action.txn.appId, action.txn)
    }
  }

  snapshot(location: string, version: number, timestamp: number): Snapshot {
    if (!this.protocol || !this.metadata) {
      throw new LabmeshError(
        'INVALID_DATA',
        `the log of ${location} has no ${this.protocol ? 'metaData' : 'protocol'} action up to version ${version}`,
        {
          subject: location,
        },
      )
    }
    return new Snapshot(
      location,
      version,
      timestamp,
      this.protocol,
      this.metadata,
      [...this.files.values()],
      [...this.tombstones.values()],
      this.transactions,
    )
  }
}

/** A file's identity in the log: its decoded path, plus the deletion vector id when it has one. */
export function fileKey(path: string, deletionVector?: string): string {
  let decoded = path
  try {
    decoded = decodeURIComponent(path)
  } catch {
    // A malformed escape is kept as written; it still identifies the file.
  }
  return deletionVector === undefined ? decoded : `${decoded}\u0000${deletionVector}`
}

/** The listing to replay from: after `_last_checkpoint` when it can serve the target, else the whole log. */
async function listingFor(storage: LakeStorage, target: number | undefined): Promise<LogListing> {
  const hint = await readLastCheckpoint(storage)
  if (hint && (target === undefined || hint.version <= target)) {
    const partial = await listLog(storage, hint.version)
    if (partial.checkpoints.some((c) => c.version >= hint.version && (target === undefined || c.version <= target))) return partial
  }
  return listLog(storage)
}
