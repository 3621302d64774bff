import {randomUUID} from 'node:crypto'
import type {DuckDBValue} from '@duckdb/node-api'

import {withConnection} from '../duckdb.js'
import {isLabmeshError, LabmeshError, toLabmeshError} from '../../errors.js'
import {LABMESH_VERSION} from '../../version.js'
import {
  type Action,
  type AddAction,
  type CommitInfoAction,
  deletionVectorId,
  isAdd,
  isCommitInfo,
  isMetadata,
  isProtocol,
  isRemove,
  type MetadataAction,
  type ProtocolAction,
  type RemoveAction,
  serializeCommit,
} from './actions.js'
import {checkpointInterval, writeCheckpoint} from './checkpoint.js'
import {readCommit} from './log-reader.js'
import {type ManifestResult, manifestsEnabled, touchedPartitions, writeManifests} from './manifest.js'
import {commitPath} from './paths.js'
import {type ColumnValues, mayHoldAny} from './prune.js'
import {assertCanRemoveRows, assertWritable} from './protocol.js'
import {scanSql} from './scan.js'
import {mergeSchemas, parseSchema, sameType, serializeSchema} from './schema.js'
import {fileKey, loadSnapshot, Snapshot} from './snapshot.js'
import type {LakeStorage} from './storage.js'

/** A SQL boolean expression over the table's columns, with named parameters (`file_id = $file_id`). */
export interface Predicate {
  sql: string
  params?: Record<string, DuckDBValue>
  /** When the expression implies `column IN (values)`: files whose statistics rule that out are never read. */
  columnIn?: ColumnValues
}

export interface CommitResult {
  version: number
  /** How many versions were tried: 1 unless concurrent writers got there first. */
  attempts: number
  /** The checkpoint written after this commit, when it was due. */
  checkpoint?: number
  /** Why a due checkpoint was not written; the commit itself stands. */
  checkpointError?: LabmeshError
  /** The symlink manifests rewritten after this commit, on tables that keep them. */
  manifest?: ManifestResult
  /** Why they were not; the commit stands, and `lake manifest` repairs them. */
  manifestError?: LabmeshError
}

export interface CommitOptions {
  operation: string
  operationParameters?: Record<string, unknown>
  /** Attempts before giving up under contention; each one means another writer committed. */
  maxAttempts?: number
}

export const DEFAULT_MAX_COMMIT_ATTEMPTS = 100
/** Who wrote a commit, in the `name/version` form other engines use (`Apache-Spark/3.5.0 Delta-Lake/3.1.0`). */
const ENGINE_INFO = `labmesh/${LABMESH_VERSION}`

/**
 * One optimistic transaction: it reads a snapshot, stages actions, and commits them as the next
 * version with create-if-absent. When another writer took that version, the winner's actions are
 * checked for real conflicts and, if there are none, the commit is retried at the following version.
 */
export class Transaction {
  private readonly actions: Action[] = []
  private metadata?: MetadataAction
  private protocol?: ProtocolAction
  /** Rows this transaction read to decide what it rewrites; concurrent files with such rows conflict. */
  private readPredicate?: Predicate

  /** `read` is undefined for the transaction that creates the table (version 0). */
  constructor(
    private readonly storage: LakeStorage,
    readonly read: Snapshot | undefined,
  ) {
    if (read) assertWritable(read.protocol, read.metadata, read.schema, read.location)
  }

  addFiles(adds: AddAction[]): void {
    for (const add of adds) this.actions.push({add})
  }

  removeFiles(files: AddAction[], dataChange: boolean, now = Date.now()): void {
    for (const file of files) {
      const remove: RemoveAction = {
        path: file.path,
        deletionTimestamp: now,
        dataChange,
        extendedFileMetadata: true,
        partitionValues: file.partitionValues,
        size: file.size,
        ...(file.tags ? {tags: file.tags} : {}),
      }
      this.actions.push({remove})
    }
  }

  setMetadata(metadata: MetadataAction): void {
    this.metadata = metadata
  }

  setProtocol(protocol: ProtocolAction): void {
    this.protocol = protocol
  }

  /** Declares the rows this transaction's rewrite depends on (replace and delete by predicate). */
  readWhere(predicate: Predicate): void {
    this.readPredicate = predicate
  }

  /** Whether there is anything to commit. */
  get isEmpty(): boolean {
    return this.actions.length === 0 && !this.metadata && !this.protocol
  }

  async commit(options: CommitOptions): Promise<CommitResult> {
    const metadata = this.metadata ?? this.read?.metadata
    if (!metadata) throw new LabmeshError('INVALID_INPUT', 'a new table needs its metadata before the first commit')
    if (this.actions.some((a) => isRemove(a) && a.remove.dataChange)) assertCanRemoveRows(metadata, this.storage.location)
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_COMMIT_ATTEMPTS
    let version = this.read ? this.read.version + 1 : 0
    let current = this.read && {protocol: this.read.protocol, metadata: this.read.metadata}
    const txnId = randomUUID()
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        await this.storage.log.putIfAbsent(commitPath(version), serializeCommit(this.commitActions(options, txnId)))
      } catch (error) {
        // Whatever the error, the log says what happened: our commit landed (a retried request that had
        // already succeeded gets 412, a timeout may hide a success), another writer's did, or none did.
        const landed = await this.landedCommit(version)
        if (landed && landed.find(isCommitInfo)?.commitInfo.txnId === txnId) {
          return {version, attempts: attempt, ...(await this.afterCommit(version, metadata))}
        }
        if (!landed) throw error
        if (!current) {
          throw new LabmeshError('CONFLICT', `a Delta table already exists at ${this.storage.location}`, {subject: this.storage.location})
        }
        current = await this.checkWinner(version, landed, current)
        version++
        continue
      }
      return {version, attempts: attempt, ...(await this.afterCommit(version, metadata))}
    }
    throw new LabmeshError(
      'CONFLICT',
      `gave up committing to ${this.storage.location} after ${maxAttempts} attempts: other writers kept committing first`,
      {
        subject: this.storage.location,
        suggestions: ['retry the operation'],
      },
    )
  }

  /** The actions committed at `version`, or undefined when nothing is there. */
  private async landedCommit(version: number): Promise<Action[] | undefined> {
    try {
      return await readCommit(this.storage, version)
    } catch (error) {
      if (isLabmeshError(error, 'NOT_FOUND')) return undefined
      throw error
    }
  }

  private commitActions(options: CommitOptions, txnId: string): Action[] {
    const commitInfo: CommitInfoAction = {
      timestamp: Date.now(),
      operation: options.operation,
      operationParameters: options.operationParameters ?? {},
      ...(this.read ? {readVersion: this.read.version} : {}),
      isBlindAppend: !this.readPredicate && !this.actions.some(isRemove),
      engineInfo: ENGINE_INFO,
      txnId,
    }
    return [
      {commitInfo},
      ...(this.protocol ? [{protocol: this.protocol}] : []),
      ...(this.metadata ? [{metaData: this.metadata}] : []),
      ...this.actions,
    ]
  }

  /** Checks the commit that won `version` against this transaction; returns the protocol and metadata now in force. */
  private async checkWinner(
    version: number,
    winner: Action[],
    current: {protocol: ProtocolAction; metadata: MetadataAction},
  ): Promise<{protocol: ProtocolAction; metadata: MetadataAction}> {
    const location = this.storage.location
    const conflict = (why: string): LabmeshError =>
      new LabmeshError('CONFLICT', `a concurrent commit (version ${version}) ${why}`, {
        subject: location,
        suggestions: ['retry the operation'],
      })
    const protocol = winner.find(isProtocol)?.protocol ?? current.protocol
    const metadata = winner.find(isMetadata)?.metaData ?? current.metadata
    if (winner.some(isProtocol) && this.protocol) {
      if (JSON.stringify(protocol) !== JSON.stringify(this.protocol)) throw conflict('changed the protocol, as this one does')
      this.protocol = undefined
    }
    if (winner.some(isMetadata)) {
      if (this.metadata) this.metadata = rebaseSchemaChange(current.metadata, metadata, this.metadata, conflict)
      const before = parseSchema(current.metadata.schemaString, location)
      const after = parseSchema(metadata.schemaString, location)
      const changed = before.fields.find((f) => !after.fields.some((g) => g.name === f.name && sameType(f.type, g.type)))
      if (changed) throw conflict(`changed or dropped column "${changed.name}"`)
      if (JSON.stringify(current.metadata.partitionColumns) !== JSON.stringify(metadata.partitionColumns))
        throw conflict('changed the partition columns')
    }
    assertWritable(protocol, metadata, parseSchema(metadata.schemaString, location), location)

    const removing = new Set(this.actions.filter(isRemove).map((a) => fileKey(a.remove.path, deletionVectorId(a.remove.deletionVector))))
    const removedToo = winner.filter(isRemove).find((a) => removing.has(fileKey(a.remove.path, deletionVectorId(a.remove.deletionVector))))
    if (removedToo) throw conflict(`removed ${removedToo.remove.path}, which this transaction removes too`)

    const added = winner
      .filter(isAdd)
      .map((a) => a.add)
      .filter((add) => !this.readPredicate?.columnIn || mayHoldAny(add, this.readPredicate.columnIn))
    if (this.readPredicate && added.length > 0) {
      const view = new Snapshot(location, version, 0, protocol, metadata, added, [], new Map())
      const sql = await scanSql(this.storage, view)
      const predicate = this.readPredicate
      const matches = await withConnection(async (connection) => {
        const reader = await connection.runAndReadAll(`SELECT count(*) FROM (${sql}) WHERE (${predicate.sql})`, predicate.params ?? {})
        return Number(reader.getRows()[0][0])
      })
      if (matches > 0) throw conflict('added rows that match the rows this transaction replaces')
    }
    return {protocol, metadata}
  }

  /** What follows a commit without being part of it: a due checkpoint, then the manifests. */
  private async afterCommit(version: number, metadata: MetadataAction): Promise<Partial<CommitResult>> {
    const checkpoint = await this.checkpointIfDue(version, metadata)
    if (!manifestsEnabled(metadata)) return checkpoint
    // A metadata change (enabling manifests, a new column) rewrites them all; data changes only their partitions.
    const partitions = this.metadata ? undefined : touchedPartitions(this.actions, metadata.partitionColumns)
    try {
      return {...checkpoint, manifest: await writeManifests(this.storage, partitions)}
    } catch (error) {
      return {...checkpoint, manifestError: toLabmeshError(error)}
    }
  }

  private async checkpointIfDue(version: number, metadata: MetadataAction): Promise<Pick<CommitResult, 'checkpoint' | 'checkpointError'>> {
    if (version === 0 || version % checkpointInterval(metadata) !== 0) return {}
    try {
      await writeCheckpoint(this.storage, await loadSnapshot(this.storage, {version}))
      return {checkpoint: version}
    } catch (error) {
      return {
        checkpointError:
          error instanceof LabmeshError
            ? error
            : new LabmeshError('BACKEND', `checkpoint ${version} failed: ${String(error)}`, {cause: error}),
      }
    }
  }
}

/**
 * Two writers that each only added columns (schema evolution of concurrent converts) do not
 * conflict: this transaction's new columns go on top of the winner's schema. Anything else both
 * changed (the table's id, partitioning, configuration, or one column with two types) does.
 */
function rebaseSchemaChange(
  read: MetadataAction,
  winner: MetadataAction,
  mine: MetadataAction,
  conflict: (why: string) => LabmeshError,
): MetadataAction {
  const {schemaString: _read, ...readRest} = read
  const {schemaString: _mine, ...mineRest} = mine
  const {schemaString: _winner, ...winnerRest} = winner
  if (JSON.stringify(readRest) !== JSON.stringify(mineRest) || JSON.stringify(readRest) !== JSON.stringify(winnerRest))
    throw conflict('changed the table metadata, as this one does')
  const before = new Set(parseSchema(read.schemaString, 'read').fields.map((f) => f.name))
  const added = parseSchema(mine.schemaString, 'this commit').fields.filter((f) => !before.has(f.name))
  try {
    return {...winner, schemaString: serializeSchema(mergeSchemas(parseSchema(winner.schemaString, 'winner'), added).schema)}
  } catch (error) {
    throw conflict(`added columns this transaction adds too, with other types: ${error instanceof Error ? error.message : String(error)}`)
  }
}
