import {randomUUID} from 'node:crypto'

import type {Backend, FileRecord, NewFileRecord} from '../backends/types.js'
import type {ConverterRegistry} from '../converters/registry.js'
import {type ErrorCode, LabmeshError, toLabmeshError} from '../errors.js'
import {findFile} from '../files/find.js'
import {readObject} from '../files/read-object.js'
import {type BatchWrite, type ConvertedDocument, writeConvertedBatch} from '../lake/tables/write-batch.js'
import {documentText} from '../search/document-text.js'

export interface ConvertOptions {
  registry: ConverterRegistry
  /** Only these raw files (any status). */
  fileIds?: string[]
  /** Convert files already converted again (their engineered document gets a new version). */
  reconvert?: boolean
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

const PAGE = 200
const DEFAULT_BATCH = 500

/**
 * Converts raw files into engineered documents, stored as ENGINEERED files on the raw file's
 * trace, and writes their rows into the lake tables of database `lab`, a batch at a time.
 * A file that fails is marked failed with its error; the batch goes on.
 */
export async function convertStoredFiles(backend: Backend, options: ConvertOptions): Promise<ConvertResult> {
  const result: ConvertResult = {converted: 0, failed: [], files: [], rowsWritten: {}}
  const pages = selectRawFiles(backend, options)
  let queue: FileRecord[] = []
  const take = async (): Promise<FileRecord | undefined> => {
    if (queue.length === 0) {
      const next = await pages.next()
      if (next.done) return undefined
      queue = next.value
    }
    return queue.shift()
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
  const flush = (): Promise<void> => {
    const batch = pending
    pending = []
    writing = writing.then(async () => {
      for (const outcome of await writeBatch(backend, batch, Boolean(options.reconvert))) report(outcome)
    })
    return writing
  }
  const worker = async (): Promise<void> => {
    for (let raw = await take(); raw; raw = await take()) {
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

/** Writes a batch's rows into the lake tables, then marks its raw files converted (or failed, with why). */
async function writeBatch(backend: Backend, batch: Converted[], reconvert: boolean): Promise<ConvertOutcome[]> {
  if (batch.length === 0) return []
  const fail = async (item: Converted, error: unknown): Promise<ConvertOutcome> => {
    const e = toLabmeshError(error)
    await backend.metadata.setStatus(item.raw.fileId, 'failed', {code: e.code, message: e.message})
    return {kind: 'failed', problem: {rawFileId: item.raw.fileId, sourcePath: item.raw.sourcePath, code: e.code, message: e.message}}
  }
  let written: BatchWrite
  try {
    written = await writeConvertedBatch(backend, batch, {reconvert})
  } catch (error) {
    return Promise.all(batch.map((item) => fail(item, error)))
  }
  return Promise.all(
    batch.map(async (item): Promise<ConvertOutcome> => {
      await backend.metadata.setStatus(item.raw.fileId, 'converted')
      return {kind: 'converted', file: {...item.file, tables: written.rowsByDocument.get(item.engineeredFileId) ?? {}}}
    }),
  )
}

/** Pages of raw files to convert. Without --reconvert, converted and failed files leave the set as we go. */
async function* selectRawFiles(backend: Backend, options: ConvertOptions): AsyncGenerator<FileRecord[]> {
  if (options.fileIds) {
    const files: FileRecord[] = []
    for (const id of options.fileIds) {
      const file = await findFile(backend, id)
      if (file.category !== 'RAW') {
        throw new LabmeshError('INVALID_INPUT', `${file.fileId} is an engineered file; convert takes raw files`, {
          subject: file.fileId,
          suggestions: [`convert its raw file, ${file.rawFileId}`],
        })
      }
      files.push(file)
    }
    yield files
    return
  }
  if (options.reconvert) {
    for (let offset = 0; ; offset += PAGE) {
      const page = await backend.metadata.listFiles({category: 'RAW', limit: PAGE, offset})
      if (page.length === 0) return
      yield page
    }
  }
  const seen = new Set<string>()
  for (;;) {
    const page = (await backend.metadata.listFiles({category: 'RAW', status: 'ingested', limit: PAGE})).filter((f) => !seen.has(f.fileId))
    if (page.length === 0) return
    for (const f of page) seen.add(f.fileId)
    yield page
  }
}

interface Converted extends ConvertedDocument {
  file: ConvertedFile
}

/** Converts one file and stores its document; the raw file's status is set once its rows are in the lake. */
async function convertOne(backend: Backend, raw: FileRecord, options: ConvertOptions): Promise<Converted | ConvertOutcome> {
  const name = raw.sourcePath.split(/[/\\]/).pop() ?? raw.sourcePath
  try {
    const bytes = await readObject(backend, raw)
    const {converter, document} = await options.registry.convert({name, bytes}, options.converter)
    const json = Buffer.from(JSON.stringify(document))
    const stored = await backend.objects.putBytes(json, {category: 'ENGINEERED'})
    const previous = await backend.metadata.latestAtSource(raw.sourceHost, raw.sourcePath, 'ENGINEERED')
    const engineered: NewFileRecord = {
      fileId: randomUUID(),
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
    await backend.metadata.insertFile({...engineered, searchText: documentText(document)})
    return {
      raw,
      engineeredFileId: engineered.fileId,
      technique: converter.technique,
      document,
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
