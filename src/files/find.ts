import type {Backend, FileRecord} from '../backends/types.js'
import {LabmeshError} from '../errors.js'

/** A file by its id or a unique prefix of it, at least 4 characters long (tables show the first 8). */
export async function findFile(backend: Backend, idOrPrefix: string): Promise<FileRecord> {
  const exact = await backend.metadata.getFile(idOrPrefix)
  if (exact) return exact
  if (/^[0-9a-f-]{1,3}$/i.test(idOrPrefix)) {
    throw new LabmeshError('USAGE', `"${idOrPrefix}" is too short to find a file by: give at least 4 characters of its id`, {
      subject: idOrPrefix,
      suggestions: ['tables show the first 8 characters: `labmesh files list`'],
    })
  }
  const candidates = /^[0-9a-f-]{4,}$/i.test(idOrPrefix) ? await backend.metadata.matchFileIds(idOrPrefix.toLowerCase(), 2) : []
  if (candidates.length === 1) return (await backend.metadata.getFile(candidates[0]))!
  if (candidates.length > 1) {
    throw new LabmeshError('INVALID_INPUT', `"${idOrPrefix}" matches more than one file`, {
      subject: idOrPrefix,
      suggestions: ['give more characters of the id'],
    })
  }
  throw new LabmeshError('NOT_FOUND', `no file with id ${idOrPrefix}`, {
    subject: idOrPrefix,
    suggestions: ['list files with `labmesh files list`'],
  })
}
