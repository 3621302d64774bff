import pLimit from 'p-limit'

import type {Backend, FileRecord} from '../../backends/types.js'
import {FILES_COLUMNS, FILES_TABLE, filesRow} from './files-table.js'
import {fileIdPredicate, LAB_DATABASE, replaceRows} from './write-batch.js'

export interface FilesSync {
  /** Raw files whose row was written (or removed). */
  files: number
  /** Commits made to lab.files: one per page of changes. */
  commits: number
}

/** Changes per commit: one Delta commit replaces this many files' rows. */
const PAGE = 1000
const LOOKUPS = 16

/**
 * Brings `lab.files` up to date with the file records: the changes queued in the metadata
 * store's outbox (ingest, convert, label changes; anything a crashed run left) are written a page
 * at a time, each page one commit replacing those files' rows, then acknowledged. A page whose
 * commit fails stays queued for the next run; a concurrent run writing the same files makes the
 * commit fail as a conflict rather than write an older state over a newer one.
 */
export async function syncFilesTable(backend: Pick<Backend, 'catalog' | 'lakeStorage' | 'metadata'>): Promise<FilesSync> {
  const result: FilesSync = {files: 0, commits: 0}
  const lookup = pLimit(LOOKUPS)
  for (;;) {
    const changes = await backend.metadata.changes.pending('lake', PAGE)
    if (changes.length === 0) break
    const ids = [...new Set(changes.map((c) => c.fileId))]
    const raws = (await backend.metadata.getFiles(ids)).filter((f) => f.category === 'RAW')
    const rows = await Promise.all(
      raws.map((raw) => lookup(async () => filesRow(raw, latestEngineered(await backend.metadata.derivedFrom(raw.fileId)), raw.latest))),
    )
    await replaceRows(backend, {database: LAB_DATABASE, table: FILES_TABLE}, FILES_COLUMNS, fileIdPredicate(ids), rows)
    await backend.metadata.changes.acknowledge('lake', changes)
    result.files += ids.length
    result.commits++
    if (changes.length < PAGE) break
  }
  return result
}

function latestEngineered(derived: FileRecord[]): FileRecord | undefined {
  return derived
    .filter((f) => f.category === 'ENGINEERED')
    .reduce<FileRecord | undefined>((a, b) => (!a || b.version > a.version ? b : a), undefined)
}
