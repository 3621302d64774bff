import pLimit from 'p-limit'

import type {Backend, FileRecord, Label, NewFileRecord, StagedObject, StageError} from '../backends/types.js'
import {toLabmeshError} from '../errors.js'
import {filePages} from '../files/pages.js'
import {commitStaged, type StagedRecord} from '../ingest/commit.js'
import {isServiceFailure} from '../watch/retry.js'
import {copyObject} from './copy-object.js'

export interface WorkspacePushOptions {
  /** Only files ingested at or after this time (ISO 8601). */
  since?: string
  /** Stops between rounds once aborted. */
  signal?: AbortSignal
  /** Files read from the source per page. */
  pageSize?: number
  /** Files checked and uploaded at once. */
  concurrency?: number
  /** Each file handled: sent, already there (`unchanged`), or failed. */
  onFile?(file: FileRecord, outcome: PushOutcome): void
}

export type PushOutcome = {status: 'sent' | 'unchanged'} | {status: 'failed'; error: StageError}

export interface PushFailure extends StageError {
  fileId: string
  sourcePath: string
}

export interface WorkspacePushResult {
  sent: number
  /** Files the target held already (same content at the same source): nothing uploaded. */
  unchanged: number
  /** Of the unchanged, those that were given labels added in the source since. */
  relabelled: number
  bytesSent: number
  /** Files that could not be sent, each with the reason; the others went on. */
  failed: PushFailure[]
  /** The service failure that stopped the push, if one did: run it again to go on. */
  stoppedBy?: StageError
}

/**
 * Sends a workspace's raw files up to another backend, every version, oldest first, each with its
 * record as it is in the source: id, trace, source path and host, times, metadata and labels. The
 * target gets them as freshly ingested (status `ingested`: its own `convert` makes their documents).
 *
 * Nothing goes twice: a file whose id the target has, or whose content is already its source's
 * latest version there, is unchanged and its bytes are not read; bytes the target's store holds
 * already (content addressing) are not uploaded. Records are written a batch at a time after their
 * bytes, so a push cut short (a service failure stops it) is simply run again.
 */
export async function pushWorkspace(source: Backend, target: Backend, options: WorkspacePushOptions = {}): Promise<WorkspacePushResult> {
  const result: WorkspacePushResult = {sent: 0, unchanged: 0, relabelled: 0, bytesSent: 0, failed: []}
  const limit = pLimit(options.concurrency ?? 8)
  const filter = {category: 'RAW' as const, allVersions: true, since: options.since}
  for await (const page of filePages(source.metadata, filter, options.pageSize)) {
    const pushed = new Map((await target.metadata.getFiles(page.map((f) => f.fileId))).map((f) => [f.fileId, f]))
    for (const round of oncePerSource(page)) {
      if (options.signal?.aborted || result.stoppedBy) return result
      await pushRound(source, target, round, pushed, limit, result, options)
    }
  }
  return result
}

/** How many raw files (every version) and bytes a push from `source` reads, for a progress bar. */
export async function workspaceTotals(source: Backend, since?: string): Promise<{files: number; bytes: number}> {
  const totals = {files: 0, bytes: 0}
  for await (const page of filePages(source.metadata, {category: 'RAW', allVersions: true, since})) {
    totals.files += page.length
    for (const file of page) totals.bytes += file.size
  }
  return totals
}

type Decision = {kind: 'unchanged'; file: FileRecord; relabelled: boolean} | {kind: 'send'; staged: StagedRecord; file: FileRecord}

async function pushRound(
  source: Backend,
  target: Backend,
  files: FileRecord[],
  pushed: Map<string, FileRecord>,
  limit: ReturnType<typeof pLimit>,
  result: WorkspacePushResult,
  options: WorkspacePushOptions,
): Promise<void> {
  const fail = (file: FileRecord, error: StageError): void => {
    if (isServiceFailure(error.code)) {
      result.stoppedBy ??= error
      return
    }
    result.failed.push({fileId: file.fileId, sourcePath: file.sourcePath, ...error})
    options.onFile?.(file, {status: 'failed', error})
  }
  const unchanged = (file: FileRecord, relabelled: boolean): void => {
    result.unchanged++
    if (relabelled) result.relabelled++
    options.onFile?.(file, {status: 'unchanged'})
  }
  // Read before any bytes are staged: a record whose bytes a delete removes meanwhile is refused, then stored again.
  const removalMark = await target.metadata.removalMark()
  // Identical bytes at two sources of the round are checked and uploaded once.
  const staging = new Map<string, Promise<StagedObject>>()
  const stageOnce = (file: FileRecord): Promise<StagedObject> => {
    const first = staging.get(file.sha256)
    // The later records point at the first one's bytes: nothing of theirs to publish.
    if (first) return first.then(({sha256, size}) => ({sha256, size, created: false}))
    const staged = stageUnlessThere(source, target, file)
    staging.set(file.sha256, staged)
    return staged
  }
  const decided = await Promise.all(
    files.map((file) =>
      limit(async (): Promise<Decision | undefined> => {
        try {
          return await decide(target, file, pushed.get(file.fileId), stageOnce, () => copyObject(source, target, file))
        } catch (error) {
          fail(file, toLabmeshError(error))
          return undefined
        }
      }),
    ),
  )
  const sends: {staged: StagedRecord; file: FileRecord}[] = []
  for (const decision of decided) {
    if (decision?.kind === 'unchanged') unchanged(decision.file, decision.relabelled)
    else if (decision) sends.push(decision)
  }
  if (result.stoppedBy || sends.length === 0) return
  let errors
  try {
    errors = await commitStaged(
      target,
      sends.map((s) => s.staged),
      removalMark,
    )
  } catch (error) {
    const e = toLabmeshError(error)
    for (const {file} of sends) fail(file, e)
    return
  }
  for (const [i, {file, staged}] of sends.entries()) {
    const error = errors[i]
    if (!error) {
      result.sent++
      result.bytesSent += staged.staged.created ? file.size : 0
      options.onFile?.(file, {status: 'sent'})
    } else if (error.code === 'CONFLICT' && (await alreadyThere(target, file))) {
      // Another push stored it first.
      unchanged(file, false)
    } else fail(file, error)
  }
}

/** Whether the target holds the file already (adding labels given to it in the source since), or its bytes staged and record to store. */
async function decide(
  target: Backend,
  file: FileRecord,
  pushed: FileRecord | undefined,
  stage: (file: FileRecord) => Promise<StagedObject>,
  restage: () => Promise<StagedObject>,
): Promise<Decision> {
  const latest = await target.metadata.latestAtSource(file.sourceHost, file.sourcePath)
  const there = pushed ?? (latest?.sha256 === file.sha256 ? latest : undefined)
  if (there) return {kind: 'unchanged', file, relabelled: await addMissingLabels(target, there, file.labels)}
  const {latest: _superseded, ...kept} = file
  const record: NewFileRecord = {...kept, version: (latest?.version ?? 0) + 1, status: 'ingested', error: null}
  return {kind: 'send', file, staged: {record, staged: await stage(file), restage}}
}

/** Content addressing: bytes the target holds already are not uploaded again. */
async function stageUnlessThere(source: Backend, target: Backend, file: FileRecord): Promise<StagedObject> {
  if (await target.objects.has(file.sha256, 'RAW')) return {sha256: file.sha256, size: file.size, created: false}
  return copyObject(source, target, file)
}

async function alreadyThere(target: Backend, file: FileRecord): Promise<boolean> {
  if (await target.metadata.getFile(file.fileId)) return true
  return (await target.metadata.latestAtSource(file.sourceHost, file.sourcePath))?.sha256 === file.sha256
}

/** Adds the labels the target's record lacks (none removed: the target may have its own); true when there were any. */
async function addMissingLabels(target: Backend, there: FileRecord, labels: Label[]): Promise<boolean> {
  const has = new Set(there.labels.map((l) => `${l.name}\u0000${l.value}`))
  const missing = labels.filter((l) => !has.has(`${l.name}\u0000${l.value}`))
  if (missing.length === 0) return false
  await target.metadata.updateLabels(there.fileId, missing, [])
  return true
}

/**
 * The page cut into rounds in which each source appears once, in order: a source's versions are
 * numbered one after another, each round's versions read after the round before was stored.
 */
function oncePerSource(page: FileRecord[]): FileRecord[][] {
  const rounds: FileRecord[][] = []
  let round: FileRecord[] = []
  let sources = new Set<string>()
  for (const file of page) {
    const key = `${file.sourceHost}\u0000${file.sourcePath}`
    if (sources.has(key)) {
      rounds.push(round)
      round = []
      sources = new Set()
    }
    sources.add(key)
    round.push(file)
  }
  if (round.length > 0) rounds.push(round)
  return rounds
}
