import {REMOVAL_LEASE_MS} from '../backends/bytes-removed.js'
import type {Backend, FileRecord} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {findTable, parseTableRef} from '../lake/catalog/table-ref.js'
import {FILES_TABLE} from '../lake/tables/files-table.js'
import {fileIdPredicate, LAB_DATABASE} from '../lake/tables/write-batch.js'
import {findFile} from './find.js'
import {type TableRows, traceRows} from './trace-rows.js'

export interface DeleteFilesOptions {
  /** Raw file ids or unique prefixes. */
  ids: string[]
  /** Every version of each file's source, not only the one named. */
  allVersions?: boolean
  dryRun?: boolean
  /** Delete even when tables registered from elsewhere hold rows of the files (those rows stay). */
  force?: boolean
}

export interface DeletedFile {
  fileId: string
  category: FileRecord['category']
  sourcePath: string
  version: number
  size: number
}

/** What `files delete` returns (its --json contract). */
export interface DeleteFilesResult {
  dryRun: boolean
  /** The raw files and their engineered documents. */
  files: DeletedFile[]
  /** Rows removed (or that would be) from tables labmesh manages. */
  tables: TableRows[]
  /** Rows of tables registered from elsewhere, which labmesh never changes: they stay. */
  kept: TableRows[]
  /** Stored objects whose bytes were removed: no other record used them. */
  objectsRemoved: number
}

const FILES_TABLE_NAME = `${LAB_DATABASE}.${FILES_TABLE}`

/**
 * Deletes raw files with everything derived from them: their engineered documents, their rows in
 * every managed table, their search entries, and stored bytes no other record uses. Rows go
 * first, records next (one transaction, which queues lab.files' change), bytes last, so a run
 * that stops half-way is finished by running it again; bytes a crashed run left are removed by
 * the next deletion. The caller brings lab.files up to date afterwards (syncFilesTable).
 */
export async function deleteStoredFiles(backend: Backend, options: DeleteFilesOptions): Promise<DeleteFilesResult> {
  const raws = await rawFilesToDelete(backend, options)
  const documents = (await Promise.all(raws.map((raw) => backend.metadata.derivedFrom(raw.fileId)))).flat()
  const rawIds = raws.map((f) => f.fileId)
  const rows = await traceRows(backend, rawIds)
  const tables = rows.filter((t) => t.managed)
  const kept = rows.filter((t) => !t.managed)
  if (kept.length > 0 && !options.force && !options.dryRun) {
    throw new LabmeshError(
      'CONFLICT',
      `tables registered from elsewhere hold rows of ${raws.length === 1 ? 'this file' : 'these files'}: ${kept.map((t) => `${t.table} (${t.rows})`).join(', ')}`,
      {
        subject: kept[0].table,
        suggestions: ['labmesh never changes tables it does not manage: pass --force to delete the files anyway, leaving those rows'],
      },
    )
  }
  const files = [...raws, ...documents].map((f) => ({
    fileId: f.fileId,
    category: f.category,
    sourcePath: f.sourcePath,
    version: f.version,
    size: f.size,
  }))
  const result: DeleteFilesResult = {dryRun: Boolean(options.dryRun), files, tables, kept, objectsRemoved: 0}
  if (options.dryRun) return result

  const predicate = fileIdPredicate(rawIds)
  // lab.files follows the records: deleting them queues its change (syncFilesTable applies it).
  for (const {table} of tables.filter((t) => t.table !== FILES_TABLE_NAME)) {
    await (await findTable(backend, parseTableRef(table))).table.deleteWhere(predicate)
  }
  const {unusedObjects} = await backend.metadata.deleteFiles(files.map((f) => f.fileId))
  // An object leaves the queue only once its bytes are gone: a run stopped in between leaves it queued for the next.
  for (const object of unusedObjects) {
    // The claim holds records of these bytes off until they are gone (or it lapses): none can point at them meanwhile.
    if (!(await backend.metadata.claimObjectRemoval(object, REMOVAL_LEASE_MS))) continue
    await backend.objects.delete(object.sha256, object.category)
    if (await backend.metadata.dequeueUnusedObject(object)) result.objectsRemoved++
  }
  await backend.audit.record('files delete', rawIds.join(' '), {
    files: files.map((f) => ({fileId: f.fileId, category: f.category, sourcePath: f.sourcePath, version: f.version})),
    tables,
    kept,
    objectsRemoved: result.objectsRemoved,
  })
  return result
}

/** The raw files named (each version of their source with allVersions), once each; an engineered id is refused. */
async function rawFilesToDelete(backend: Backend, options: DeleteFilesOptions): Promise<FileRecord[]> {
  const found = new Map<string, FileRecord>()
  for (const id of options.ids) {
    const file = await findFile(backend, id)
    if (file.category !== 'RAW') {
      throw new LabmeshError('INVALID_INPUT', `${file.fileId} is an engineered document; files delete takes raw files`, {
        subject: file.fileId,
        suggestions: [`delete its raw file, ${file.rawFileId}, and its documents go with it; or reconvert that file`],
      })
    }
    for (const version of options.allVersions ? await backend.metadata.versionsOf(file.fileId) : [file]) found.set(version.fileId, version)
  }
  return [...found.values()]
}
