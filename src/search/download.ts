import {lstat} from 'node:fs/promises'
import path from 'node:path'

import type {Backend, FileRecord, SearchCursor, SearchIndex, SearchScope} from '../backends/types.js'
import {type ErrorCode, toLabmeshError} from '../errors.js'
import {type RestoredFile, restoreFile} from '../files/restore.js'
import {hashFile} from '../ingest/hash.js'
import {shortId} from '../output/format.js'
import type {SafeOutput} from '../output/safe-output.js'
import type {SearchNode} from './ast.js'

export interface DownloadProblem {
  fileId: string
  sourcePath: string
  code: ErrorCode
  message: string
}

export interface DownloadResult {
  folder: string
  /** Raw files now in the folder, each verified against its sha256 (including ones already there). */
  files: RestoredFile[]
  failed: DownloadProblem[]
}

const PAGE = 500

/**
 * Restores the raw file of every hit (an engineered hit brings its raw file) into a folder,
 * once each, under its source file name; a second file of the same name gets its short id in
 * front. A file already there with the same sha256 counts as done, so a download can be re-run.
 * One file that fails is reported and the rest go on.
 */
export async function downloadHits(
  backend: Backend,
  search: SearchIndex,
  query: SearchNode | null,
  scope: SearchScope,
  folder: string,
  output: SafeOutput,
  onFile?: (done: number) => void,
): Promise<DownloadResult> {
  const result: DownloadResult = {folder: await output.folder(folder), files: [], failed: []}
  const seen = new Set<string>()
  const names = new Set<string>()
  // Hits can change while files download (a status set, a new version): the pages follow a cursor.
  for (let after: SearchCursor | undefined; ;) {
    const {hits, next} = await search.search(query, {...scope, sort: 'path', limit: PAGE, after})
    for (const {file} of hits) {
      const raw = file.category === 'RAW' || file.rawFileId === null ? file : await backend.metadata.getFile(file.rawFileId)
      if (!raw || seen.has(raw.fileId)) continue
      seen.add(raw.fileId)
      try {
        result.files.push(await restoreOnce(backend, raw, output, result.folder, names))
      } catch (error) {
        const e = toLabmeshError(error)
        result.failed.push({fileId: raw.fileId, sourcePath: raw.sourcePath, code: e.code, message: e.message})
      }
      onFile?.(result.files.length + result.failed.length)
    }
    if (next === null) return result
    after = next
  }
}

async function restoreOnce(
  backend: Backend,
  raw: FileRecord,
  output: SafeOutput,
  folder: string,
  names: Set<string>,
): Promise<RestoredFile> {
  const base = path.basename(raw.sourcePath)
  const name = names.has(base) ? `${shortId(raw.fileId)}-${base}` : base
  names.add(name)
  const target = path.join(folder, name)
  // Only a regular file is looked at (a link or a FIFO there is refused when writing).
  if ((await lstat(target).catch(() => undefined))?.isFile()) {
    const existing = await hashFile(target)
    if (existing.sha256 === raw.sha256) return {fileId: raw.fileId, path: target, sha256: raw.sha256, size: existing.size, verified: true}
  }
  return restoreFile(backend, raw, output, folder, name)
}
