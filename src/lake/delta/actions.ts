import {LabmeshError} from '../../errors.js'

/** The actions of a Delta log (delta-io/delta PROTOCOL.md, "Actions"). Field names are the protocol's. */

export interface ProtocolAction {
  minReaderVersion: number
  minWriterVersion: number
  /** Present only when minReaderVersion is 3. */
  readerFeatures?: string[]
  /** Present only when minWriterVersion is 7. */
  writerFeatures?: string[]
}

export interface MetadataAction {
  id: string
  name?: string | null
  description?: string | null
  format: {provider: string; options?: Record<string, string>}
  /** The table schema in Spark's JSON schema format (see schema.ts). */
  schemaString: string
  partitionColumns: string[]
  configuration: Record<string, string>
  createdTime?: number | null
}

export interface DeletionVectorDescriptor {
  storageType: string
  pathOrInlineDv: string
  offset?: number | null
  sizeInBytes: number
  cardinality: number
}

export interface AddAction {
  /** A URL-encoded path relative to the table root (or an absolute URI). */
  path: string
  /** Partition column (physical name) -> value serialized as a string; null for a null partition. */
  partitionValues: Record<string, string | null>
  size: number
  modificationTime: number
  dataChange: boolean
  /** Per-file statistics as a JSON string: numRecords, minValues, maxValues, nullCount. */
  stats?: string | null
  tags?: Record<string, string> | null
  deletionVector?: DeletionVectorDescriptor | null
  baseRowId?: number | null
  defaultRowCommitVersion?: number | null
}

export interface RemoveAction {
  path: string
  deletionTimestamp?: number | null
  dataChange: boolean
  extendedFileMetadata?: boolean | null
  partitionValues?: Record<string, string | null> | null
  size?: number | null
  tags?: Record<string, string> | null
  deletionVector?: DeletionVectorDescriptor | null
}

export interface TxnAction {
  appId: string
  version: number
  lastUpdated?: number | null
}

export interface CommitInfoAction {
  timestamp?: number
  /** Written instead of relying on `timestamp` when the inCommitTimestamp feature is on. */
  inCommitTimestamp?: number
  operation?: string
  operationParameters?: Record<string, unknown>
  readVersion?: number
  isBlindAppend?: boolean
  engineInfo?: string
  /** The writer's id for this transaction: a retry after an ambiguous failure recognises its own landed commit by it. */
  txnId?: string
  [key: string]: unknown
}

/** One line of a commit: exactly one of these keys is set. Actions this library does not interpret (cdc, domainMetadata, ...) are kept as read. */
export interface Action {
  add?: AddAction
  remove?: RemoveAction
  metaData?: MetadataAction
  protocol?: ProtocolAction
  txn?: TxnAction
  commitInfo?: CommitInfoAction
  [other: string]: unknown
}

export function isAdd(action: Action): action is Action & {add: AddAction} {
  return isObject(action.add)
}

export function isRemove(action: Action): action is Action & {remove: RemoveAction} {
  return isObject(action.remove)
}

export function isMetadata(action: Action): action is Action & {metaData: MetadataAction} {
  return isObject(action.metaData)
}

export function isProtocol(action: Action): action is Action & {protocol: ProtocolAction} {
  return isObject(action.protocol)
}

export function isTxn(action: Action): action is Action & {txn: TxnAction} {
  return isObject(action.txn)
}

export function isCommitInfo(action: Action): action is Action & {commitInfo: CommitInfoAction} {
  return isObject(action.commitInfo)
}

/** A deletion vector's unique id (PROTOCOL.md "Derived Fields"); files are keyed by path and this id. */
export function deletionVectorId(dv: DeletionVectorDescriptor | null | undefined): string | undefined {
  if (!dv) return undefined
  return `${dv.storageType}${dv.pathOrInlineDv}${dv.offset === undefined || dv.offset === null ? '' : `@${dv.offset}`}`
}

/** Parses a newline-delimited JSON commit; `source` names the file in errors. */
export function parseCommit(text: string, source: string): Action[] {
  const actions: Action[] = []
  const lines = text.split('\n')
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch (error) {
      throw new LabmeshError('INVALID_DATA', `${source} line ${index + 1} is not JSON`, {cause: error, subject: source})
    }
    if (!isObject(parsed)) throw new LabmeshError('INVALID_DATA', `${source} line ${index + 1} is not an action object`, {subject: source})
    actions.push(parsed as Action)
  }
  return actions
}

/** A commit file's content: one action per line. */
export function serializeCommit(actions: Action[]): string {
  return actions.map((action) => JSON.stringify(action)).join('\n') + '\n'
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
