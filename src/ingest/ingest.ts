import {createHash, randomUUID} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {stat} from 'node:fs/promises'
import {hostname} from 'node:os'
import path from 'node:path'

import {BytesRemovedConflict} from '../backends/bytes-removed.js'
import type {Backend, Label, NewFileRecord, StagedObject} from '../backends/types.js'
import type {ConverterRegistry} from '../converters/registry.js'
import {type ErrorCode, LabmeshError, toLabmeshError} from '../errors.js'
import {hashFile} from './hash.js'
import type {PathTemplate} from './path-template.js'
import {readHead, sniffInstrument} from './sniff.js'
import {commitStaged, type StagedRecord} from './commit.js'
import {storeAgain} from './store-again.js'
import {type FoundFile, type WalkEntry, walkFiles} from './walk.js'

export interface IngestOptions {
  /** Files and folders to walk... */
  paths?: string[]
  /** ...or files already found (the watcher's stable files), relative paths as the template sees them. */
  files?: FoundFile[]
  template?: PathTemplate
  labels?: Label[]
  metadata?: Record<string, string>
  include?: string[]
  exclude?: string[]
  dryRun?: boolean
  concurrency?: number
  /** Re-read files whose size and time are unchanged instead of trusting them (like rsync -c). */
  checksum?: boolean
  registry: ConverterRegistry
  /** Keep every file's entry in the result (for --json); off, memory stays flat on huge trees. */
  collectFiles?: boolean
  /** Progress, per file handled (stored, unchanged or failed): its bytes not yet reported by onBytes. */
  onFile?: (outcome: FileOutcome, bytes: number) => void
  /** Progress within a large file as it uploads (multipart parts to S3). */
  onBytes?: (bytes: number) => void
  /** The host recorded as the files' source (default: this machine), e.g. for files spooled on another one. */
  sourceHost?: string
}

export type FileStatus = 'new' | 'version' | 'unchanged'

export interface IngestedFile {
  /** Null in a dry run: nothing was stored. */
  fileId: string | null
  sourcePath: string
  sha256: string
  size: number
  version: number
  status: FileStatus
  metadata: Record<string, string>
  labels: Label[]
}

export interface IngestProblem {
  path: string
  code: ErrorCode
  message: string
}

export type FileOutcome = {kind: 'file'; file: IngestedFile; warning?: IngestProblem} | {kind: 'failed'; problem: IngestProblem}

export interface IngestResult {
  dryRun: boolean
  ingested: number
  unchanged: number
  /** Files that could not be stored, each with the reason; the rest of the batch went on. */
  failed: IngestProblem[]
  /** Files stored, but with something to say (e.g. the path template did not match). */
  warnings: IngestProblem[]
  files: IngestedFile[]
  bytesStored: number
}

/**
 * Stores files and their metadata. Each file is independent: one that fails is reported and the
 * rest go on; nothing stored earlier is changed. Re-running over the same files stores nothing.
 */
export async function ingestFiles(backend: Backend, options: IngestOptions): Promise<IngestResult> {
  const result: IngestResult = {
    dryRun: Boolean(options.dryRun),
    ingested: 0,
    unchanged: 0,
    failed: [],
    warnings: [],
    files: [],
    bytesStored: 0,
  }
  const collect = options.collectFiles ?? true
  const host = options.sourceHost ?? hostname()
  const entries = options.files
    ? listed(options.files)
    : walkFiles(options.paths ?? [], {include: options.include, exclude: options.exclude})

  // Bytes of large files already reported while they uploaded, by path: a file's total is reported once.
  const streamed = new Map<string, number>()
  const report = (outcome: FileOutcome, bytes: number): void => {
    record(result, outcome, collect)
    const path = outcome.kind === 'file' ? outcome.file.sourcePath : outcome.problem.path
    options.onFile?.(outcome, Math.max(0, bytes - (streamed.get(path) ?? 0)))
    streamed.delete(path)
  }
  const onBytes = (path: string, bytes: number): void => {
    streamed.set(path, (streamed.get(path) ?? 0) + bytes)
    options.onBytes?.(bytes)
  }
  // Read before any bytes are staged: a record whose bytes a delete removes meanwhile is refused, and stored again.
  const removalMark = options.dryRun ? undefined : await backend.metadata.removalMark()
  // Group commit: a batch's objects are made durable together, then its records written in one
  // transaction, so a record only ever points at bytes on disk. Batches commit one after another.
  let pending: StoredFile[] = []
  let committing = Promise.resolve()
  const flush = (): Promise<void> => {
    const batch = pending
    pending = []
    committing = committing.then(async () => {
      const errors = await commitStaged(backend, batch, removalMark)
      for (const [i, {record: stored, outcome}] of batch.entries()) {
        const error = errors[i]
        if (!error) report(outcome, stored.size)
        else {
          // Another ingest stored this version first: the same bytes are simply unchanged.
          const latest = error.code === 'CONFLICT' ? await backend.metadata.latestAtSource(host, stored.sourcePath) : undefined
          report(
            latest?.sha256 === stored.sha256
              ? {kind: 'file', file: describe(latest, 'unchanged')}
              : {kind: 'failed', problem: {path: stored.sourcePath, code: error.code, message: error.message}},
            stored.size,
          )
        }
      }
    })
    return committing
  }

  const worker = async (): Promise<void> => {
    for (;;) {
      const next = await entries.next()
      if (next.done) return
      const entry = next.value
      if (entry.kind === 'problem') {
        report({kind: 'failed', problem: {path: entry.path, code: entry.code, message: entry.message}}, 0)
        continue
      }
      try {
        const handled = await ingestOne(backend, entry, host, options, (bytes) => onBytes(entry.path, bytes))
        if ('staged' in handled) {
          pending.push(handled)
          if (pending.length >= RECORD_BATCH) await flush()
        } else {
          report(handled, entry.size)
        }
      } catch (error) {
        const e = toLabmeshError(error)
        report({kind: 'failed', problem: {path: entry.sourcePath ?? entry.path, code: e.code, message: e.message}}, entry.size)
      }
    }
  }
  await Promise.all(Array.from({length: Math.max(1, options.concurrency ?? 64)}, worker))
  await flush()
  result.files.sort((a, b) => a.sourcePath.localeCompare(b.sourcePath))
  result.failed.sort((a, b) => a.path.localeCompare(b.path))
  return result
}

async function* listed(files: FoundFile[]): AsyncGenerator<WalkEntry> {
  yield* files
}

function record(result: IngestResult, outcome: FileOutcome, collect: boolean): void {
  if (outcome.kind === 'failed') {
    result.failed.push(outcome.problem)
    return
  }
  if (collect) result.files.push(outcome.file)
  if (outcome.warning) result.warnings.push(outcome.warning)
  if (outcome.file.status === 'unchanged') result.unchanged++
  else {
    result.ingested++
    result.bytesStored += outcome.file.size
  }
}

/** Records per transaction: large enough that SQLite's per-commit cost vanishes, small enough to report progress often. */
const RECORD_BATCH = 256

/** A file whose bytes are staged and whose record is still to be written, with the outcome it will have. */
interface StoredFile extends StagedRecord {
  outcome: FileOutcome & {kind: 'file'}
}

/** A file's outcome, or, for a file to store, its staged bytes and record. */
async function ingestOne(
  backend: Backend,
  entry: FoundFile,
  host: string,
  options: IngestOptions,
  onBytes: (bytes: number) => void,
): Promise<FileOutcome | StoredFile> {
  if (entry.size === 0) {
    return {
      kind: 'failed',
      problem: {path: entry.sourcePath ?? entry.path, code: 'EMPTY_FILE', message: 'the file is empty (0 bytes): nothing to store'},
    }
  }
  const modifiedAt = entry.mtime.toISOString()
  const sourcePath = entry.sourcePath ?? entry.path
  const latest = await backend.metadata.latestAtSource(host, sourcePath)
  if (latest && !options.checksum && latest.size === entry.size && latest.modifiedAt === modifiedAt) {
    return {kind: 'file', file: describe(latest, 'unchanged')}
  }

  let warning: IngestProblem | undefined
  let templateFields: Record<string, string> = {}
  if (options.template) {
    const matched = options.template.match(entry.relativePath)
    if (matched) templateFields = matched
    else
      warning = {
        path: sourcePath,
        code: 'TEMPLATE_MISMATCH',
        message: `"${entry.relativePath}" does not match the path template ${options.template.source}; stored without its fields`,
      }
  }

  const {head, stored} = await readAndStore(backend, entry, Boolean(options.dryRun), onBytes)
  const sniffed = await sniffInstrument(options.registry, path.basename(entry.path), head)
  if (latest && latest.sha256 === stored.sha256) {
    return {kind: 'file', file: describe(latest, 'unchanged')}
  }

  const detected: Record<string, string> = sniffed.instrument ? {instrument: sniffed.instrument, technique: sniffed.technique!} : {}
  const given = {...templateFields, ...options.metadata}
  const metadata: Record<string, string> = {time: modifiedAt, ...detected, ...given}
  warning ??= shadowWarning(entry.path, detected, given)
  const labels = mergeLabels(latest?.labels ?? [], options.labels ?? [])
  const fileRecord: NewFileRecord = {
    fileId: randomUUID(),
    category: 'RAW',
    traceId: randomUUID(),
    rawFileId: null,
    sha256: stored.sha256,
    size: stored.size,
    sourcePath,
    sourceHost: host,
    ingestedAt: new Date().toISOString(),
    modifiedAt,
    version: (latest?.version ?? 0) + 1,
    metadata,
    labels,
    status: 'ingested',
    error: null,
  }
  if (options.dryRun) return {kind: 'file', file: {...describe(fileRecord, latest ? 'version' : 'new'), fileId: null}, warning}
  return {
    staged: stored,
    restage: () => backend.objects.stageFile(entry.path),
    record: fileRecord,
    outcome: {kind: 'file', file: describe(fileRecord, latest ? 'version' : 'new'), warning},
  }
}

/**
 * Values given in the template or with --metadata are kept as given, also where they name a key
 * the content was detected to have (`{instrument}` against `perkin-elmer-envision`): said here,
 * while lab.files.instrument keeps the converter that read the content, one name per instrument.
 */
function shadowWarning(file: string, detected: Record<string, string>, given: Record<string, string>): IngestProblem | undefined {
  const shadowed = Object.keys(detected).filter((key) => key in given && given[key] !== detected[key])
  if (shadowed.length === 0) return undefined
  const pairs = shadowed.map((key) => `${key}=${given[key]} (detected: ${detected[key]})`).join(', ')
  return {
    path: file,
    code: 'METADATA_SHADOWED',
    message: `metadata ${pairs} kept as given; lab.files keeps the detected instrument and technique once converted`,
  }
}

/** Files up to this size are read once into memory: one read serves the sniffer, the hash and the store. */
const SMALL_FILE_BYTES = 4 * 1024 * 1024

/** Reads (and unless a dry run, stages) a file's bytes; a dry run only hashes them. */
async function readAndStore(
  backend: Backend,
  entry: FoundFile,
  dryRun: boolean,
  onBytes: (bytes: number) => void,
): Promise<{head: Buffer; stored: StagedObject}> {
  if (entry.size <= SMALL_FILE_BYTES) {
    // Read in place: for small files a synchronous read beats four thread-pool round trips.
    const bytes = readFileSync(entry.path)
    return {
      head: bytes,
      stored: dryRun
        ? {sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, created: false}
        : await backend.objects.stageBytes(bytes),
    }
  }
  const head = await readHead(entry.path)
  return {head, stored: dryRun ? {...(await hashFile(entry.path)), created: false} : await backend.objects.stageFile(entry.path, {onBytes})}
}

function describe(file: NewFileRecord, status: FileStatus): IngestedFile {
  return {
    fileId: file.fileId,
    sourcePath: file.sourcePath,
    sha256: file.sha256,
    size: file.size,
    version: file.version,
    status,
    metadata: file.metadata,
    labels: file.labels,
  }
}

/** Labels are kept across versions: the new version has the old ones plus those given now. */
function mergeLabels(kept: Label[], added: Label[]): Label[] {
  const seen = new Set<string>()
  return [...kept, ...added].filter((l) => {
    const key = `${l.name}\u0000${l.value}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

export interface UploadOptions {
  /** Where the uploaded bytes were spooled. */
  spooled: string
  /** The path the upload names (its source path, for versions). */
  sourcePath: string
  /** Who sent it (`api:<key id>`): uploads are versioned per sender and path. */
  sourceHost: string
  metadata?: Record<string, string>
  labels?: Label[]
  registry: ConverterRegistry
}

/** Stores one uploaded file like ingest does a file on disk: same metadata, versions and labels; INVALID_DATA & co. when it cannot. */
export async function ingestUpload(backend: Backend, options: UploadOptions): Promise<IngestedFile> {
  const {size, mtime} = await stat(options.spooled)
  const entry: FoundFile = {
    kind: 'file',
    path: options.spooled,
    relativePath: options.sourcePath,
    size,
    mtime,
    sourcePath: options.sourcePath,
  }
  const removalMark = await backend.metadata.removalMark()
  const handled = await ingestOne(backend, entry, options.sourceHost, {...options, paths: [], checksum: true}, () => undefined)
  if ('staged' in handled) {
    // As in ingestFiles: the bytes are durable under their name before a record points at them.
    await backend.objects.publish([handled.staged])
    let [error] = await backend.metadata.insertFiles([handled.record], {removalMark})
    if (error instanceof BytesRemovedConflict) error = await storeAgain(backend, handled.record, handled.restage)
    if (error) throw error
    return handled.outcome.file
  }
  if (handled.kind === 'failed') throw new LabmeshError(handled.problem.code, handled.problem.message, {subject: handled.problem.path})
  return handled.file
}
