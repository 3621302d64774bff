import {randomUUID} from 'node:crypto'

import type {Backend, FileRecord, NewFileRecord, StagedObject, StageStatus} from '../backends/types.js'
import type {ConverterRegistry} from '../converters/registry.js'
import {type ErrorCode, LabmeshError, toLabmeshError} from '../errors.js'
import {findFile} from '../files/find.js'
import {filePages} from '../files/pages.js'
import {readObject} from '../files/read-object.js'
import type {FlatTables} from '../lake/tables/flatten.js'
import {type BatchWrite, flattenConverted, LAB_DATABASE, writeConvertedBatch} from '../lake/tables/write-batch.js'
import {documentText} from '../search/document-text.js'
import {ConvertClaims} from './claims.js'

export interface ConvertOptions {
  registry: ConverterRegistry
  /** Only these raw files (any status). */
  fileIds?: string[]
  /** Convert files already converted again (their engineered document gets a new version). */
  reconvert?: boolean
  /** Convert the files that failed before too. */
  retryFailed?: boolean
  /** Force a converter by name instead of detecting one. */
  converter?: string
  concurrency?: number
  /** Files per lake write (one commit per table per batch). */
  batchSize?: number
  onFile?: (outcome: ConvertOutcome) => void
}

export interface ConvertedFile {
  rawFileId: string
  engineeredFileId: string
  sourcePath: string
  converter: string
  converterVersion: string
  technique: string
  sha256: string
  size: number
  /** Rows written per table (`lab.plate_reader_measurement` -> 384). */
  tables: Record<string, number>
}

export interface ConvertProblem {
  rawFileId: string
  sourcePath: string
  code: ErrorCode
  message: string
}

export type ConvertOutcome = {kind: 'converted'; file: ConvertedFile} | {kind: 'failed'; problem: ConvertProblem}

export interface ConvertResult {
  converted: number
  failed: ConvertProblem[]
  files: ConvertedFile[]
  /** Rows written per table over every file converted. */
  rowsWritten: Record<string, number>
}

const DEFAULT_BATCH = 500

/**
 * Converts raw files into engineered documents, stored as ENGINEERED files on the raw file's
 * trace, and writes their rows into the lake tables of database `lab`, a batch at a time.
 * A file that fails is marked failed with its error; the batch goes on.
 */
export async function convertStoredFiles(backend: Backend, options: ConvertOptions): Promise<ConvertResult> {
  const claims = await ConvertClaims.start(backend.metadata)
  try {
    return await convertClaimed(backend, claims, options)
  } finally {
    await claims.end()
  }
}

async function convertClaimed(backend: Backend, claims: ConvertClaims, options: ConvertOptions): Promise<ConvertResult> {
  const result: ConvertResult = {converted: 0, failed: [], files: [], rowsWritten: {}}
  if (options.retryFailed && !options.fileIds) await backend.metadata.requeueFailed()
  // Read before any document is staged: one whose bytes a delete removes meanwhile is refused (its raw file failed, to retry).
  const removalMark = await backend.metadata.removalMark()
  const pages = selectRawFiles(backend, options)
  const queue: FileRecord[] = []
  let exhausted = false
  // One page is read at a time, whichever worker ran out first; the others wait for it.
  let reading: Promise<void> | undefined
  const take = async (): Promise<FileRecord | undefined> => {
    while (queue.length === 0 && !exhausted) {
      reading ??= (async () => {
        try {
          const next = await pages.next()
          if (next.done) exhausted = true
          else queue.push(...(await claimPage(next.value)))
        } finally {
          reading = undefined
        }
      })()
      await reading
    }
    return queue.shift()
  }
  // Only files this run holds are converted; one named by --file-id that another run holds is reported.
  const claimPage = async (page: FileRecord[]): Promise<FileRecord[]> => {
    const from: StageStatus[] = options.fileIds || options.reconvert ? ['ingested', 'converted', 'failed'] : ['ingested']
    const held = new Set(
      await claims.claim(
        page.map((f) => f.fileId),
        from,
      ),
    )
    for (const file of page) if (!held.has(file.fileId) && options.fileIds) report(heldElsewhere(file))
    return page.filter((f) => held.has(f.fileId))
  }
  const report = (outcome: ConvertOutcome): void => {
    if (outcome.kind === 'converted') {
      result.converted++
      result.files.push(outcome.file)
      for (const [table, rows] of Object.entries(outcome.file.tables)) result.rowsWritten[table] = (result.rowsWritten[table] ?? 0) + rows
    } else {
      result.failed.push(outcome.problem)
    }
    options.onFile?.(outcome)
  }
  let pending: Converted[] = []
  // Batches are written one at a time: each is one commit per table.
  let writing = Promise.resolve()
  // Writes of full batches not finished, oldest first. While one is written the next one fills;
  // once that one is full too, the workers wait for the oldest write (not for both), so no more
  // than two batches' rows are ever held and the lake always has the next batch to write.
  const unwritten: Promise<void>[] = []
  const flush = (): Promise<void> => {
    const batch = pending
    pending = []
    writing = writing.then(async () => {
      try {
        for (const outcome of await writeBatch(backend, batch, {reconvert: Boolean(options.reconvert), removalMark})) report(outcome)
      } finally {
        // Batches are written in order: the one done is the oldest.
        unwritten.shift()
      }
    })
    unwritten.push(writing)
    return writing
  }
  const worker = async (): Promise<void> => {
    for (let raw = await take(); raw; raw = await take()) {
      while (unwritten.length >= 2) await unwritten[0]
      const converted = await convertOne(backend, raw, options)
      if ('kind' in converted) {
        report(converted)
        continue
      }
      pending.push(converted)
      if (pending.length >= (options.batchSize ?? DEFAULT_BATCH)) await flush()
    }
  }
  await Promise.all(Array.from({length: Math.max(1, options.concurrency ?? 4)}, worker))
  await flush()
  return result
}

function heldElsewhere(file: FileRecord): ConvertOutcome {
  return {
    kind: 'failed',
    problem: {
      rawFileId: file.fileId,
      sourcePath: file.sourcePath,
      code: 'CONFLICT',
      message: 'another convert run is converting this file now; its result will be recorded when it finishes',
    },
  }
}

/**
 * Writes a batch's rows into the lake tables, then makes its engineered documents durable, then
 * stores their records and marks the raw files converted, all in one transaction (or failed, with why).
 */
async function writeBatch(
  backend: Backend,
  batch: Converted[],
  {reconvert, removalMark}: {reconvert: boolean; removalMark: number},
): Promise<ConvertOutcome[]> {
  if (batch.length === 0) return []
  const failed = (item: Converted, error: unknown): ConvertOutcome => {
    const e = toLabmeshError(error)
    return {kind: 'failed', problem: {rawFileId: item.raw.fileId, sourcePath: item.raw.sourcePath, code: e.code, message: e.message}}
  }
  let written: BatchWrite
  try {
    written = await writeConvertedBatch(backend, batch, {reconvert})
    await backend.objects.publish(batch.map((item) => item.staged))
  } catch (error) {
    const e = toLabmeshError(error)
    for (const item of batch) await backend.metadata.setStatus(item.raw.fileId, 'failed', {code: e.code, message: e.message})
    return batch.map((item) => failed(item, error))
  }
  // After the commit: the Delta log, not the workspace database, holds the change, so the event
  // follows it (a crash in between loses this one notice; the rows are in the table).
  for (const table of written.tables) {
    await backend.events?.record('table.updated', {table: `${LAB_DATABASE}.${table.table}`, version: table.version, rows: table.rows})
  }
  const errors = await backend.metadata.recordConversions(
    batch.map((item) => ({rawFileId: item.raw.fileId, engineered: item.engineered})),
    {removalMark},
  )
  return batch.map((item, i): ConvertOutcome =>
    errors[i]
      ? failed(item, errors[i])
      : {kind: 'converted', file: {...item.file, tables: written.rowsByDocument.get(item.engineeredFileId) ?? {}}},
  )
}

/**
 * Pages of raw files to convert: those named, or every raw file (with --reconvert), or those not
 * converted yet. Without --reconvert, files leave the set as they are claimed (`converting`).
 */
async function* selectRawFiles(backend: Backend, options: ConvertOptions): AsyncGenerator<FileRecord[]> {
  if (options.fileIds) {
    // By id: a file named twice (its id, a prefix of it) is converted once.
    const files = new Map<string, FileRecord>()
    for (const id of options.fileIds) {
      const file = await findFile(backend, id)
      if (file.category !== 'RAW') {
        throw new LabmeshError('INVALID_INPUT', `${file.fileId} is an engineered file; convert takes raw files`, {
          subject: file.fileId,
          suggestions: [`convert its raw file, ${file.rawFileId}`],
        })
      }
      files.set(file.fileId, file)
    }
    yield [...files.values()]
    return
  }
  // Converted and failed files leave the `ingested` set as we go: the pages follow a cursor.
  yield* filePages(backend.metadata, {category: 'RAW', ...(options.reconvert ? {} : {status: 'ingested'})})
}

interface Converted {
  raw: FileRecord
  engineeredFileId: string
  technique: string
  /** The document's rows per table: the batch holds these, not the document. */
  tables: FlatTables
  file: ConvertedFile
  /** The engineered document's bytes, published with the batch. */
  staged: StagedObject
  /** Its record, stored with the batch. */
  engineered: NewFileRecord
}

/** Converts one file and stages its document; its record and the raw file's status are written once its rows are in the lake. */
async function convertOne(backend: Backend, raw: FileRecord, options: ConvertOptions): Promise<Converted | ConvertOutcome> {
  const name = raw.sourcePath.split(/[/\\]/).pop() ?? raw.sourcePath
  try {
    const bytes = await readObject(backend, raw)
    const {converter, document} = await options.registry.convert({name, bytes}, options.converter)
    const engineeredFileId = randomUUID()
    // Flattened here, so that a document too wide or too big for the tables fails this file alone.
    const tables = flattenConverted({raw, engineeredFileId, technique: converter.technique, document})
    const json = Buffer.from(JSON.stringify(document))
    const stored = await backend.objects.stageBytes(json, {category: 'ENGINEERED'})
    const previous = await backend.metadata.latestAtSource(raw.sourceHost, raw.sourcePath, 'ENGINEERED')
    const engineered: NewFileRecord = {
      fileId: engineeredFileId,
      category: 'ENGINEERED',
      traceId: raw.traceId,
      rawFileId: raw.fileId,
      sha256: stored.sha256,
      size: stored.size,
      sourcePath: raw.sourcePath,
      sourceHost: raw.sourceHost,
      ingestedAt: new Date().toISOString(),
      modifiedAt: raw.modifiedAt,
      version: (previous?.version ?? 0) + 1,
      metadata: {...raw.metadata, converter: converter.name, 'converter version': converter.version, technique: converter.technique},
      labels: raw.labels,
      status: 'converted',
      error: null,
    }
    return {
      raw,
      staged: stored,
      engineered: {...engineered, searchText: documentText(document)},
      engineeredFileId: engineered.fileId,
      technique: converter.technique,
      tables,
      file: {
        rawFileId: raw.fileId,
        engineeredFileId: engineered.fileId,
        sourcePath: raw.sourcePath,
        converter: converter.name,
        converterVersion: converter.version,
        technique: converter.technique,
        sha256: stored.sha256,
        size: stored.size,
        tables: {},
      },
    }
  } catch (error) {
    const e = toLabmeshError(error)
    await backend.metadata.setStatus(raw.fileId, 'failed', {code: e.code, message: e.message})
    return {kind: 'failed', problem: {rawFileId: raw.fileId, sourcePath: raw.sourcePath, code: e.code, message: e.message}}
  }
}
