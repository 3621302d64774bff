import type {Backend, FileRecord} from '../backends/types.js'
import {type ErrorCode, toLabmeshError} from '../errors.js'
import {readObject} from '../files/read-object.js'
import {documentText} from './document-text.js'
import {searchIndexOf} from './run-search.js'

export interface ReindexProblem {
  fileId: string
  sourcePath: string
  code: ErrorCode
  message: string
}

export interface ReindexResult {
  indexed: number
  /** Entries of files that no longer exist. */
  removed: number
  /** Engineered files whose document could not be read: indexed without its words. */
  failed: ReindexProblem[]
}

/**
 * Rebuilds the search index from the records: each file's path, metadata and labels, and the
 * words of each engineered document, read again from the object store with the same
 * extraction convert uses, so a rebuilt index equals one kept up to date as files came in.
 */
export async function reindexSearch(backend: Backend, onProgress?: (done: number, total: number) => void): Promise<ReindexResult> {
  const failed: ReindexProblem[] = []
  const searchText = async (record: FileRecord): Promise<string | undefined> => {
    if (record.category !== 'ENGINEERED') return undefined
    try {
      return documentText(JSON.parse((await readObject(backend, record)).toString('utf8')))
    } catch (error) {
      const e = toLabmeshError(error)
      failed.push({fileId: record.fileId, sourcePath: record.sourcePath, code: e.code, message: e.message})
      return undefined
    }
  }
  const {indexed, removed} = await searchIndexOf(backend).rebuild({searchText, onProgress})
  return {indexed, removed, failed}
}
