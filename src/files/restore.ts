import {createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'

import type {Backend, FileRecord} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import type {SafeOutput} from '../output/safe-output.js'

export interface RestoredFile {
  fileId: string
  path: string
  sha256: string
  size: number
  verified: true
}

/**
 * The name a stored file is restored under: a raw file's source name; an engineered document's
 * as `<raw name>.<converter>.json`, so it never takes the name of the raw file beside it.
 */
export function restoredName(record: FileRecord): string {
  const name = path.basename(record.sourcePath)
  return record.category === 'ENGINEERED' ? `${name}.${record.metadata.converter ?? 'engineered'}.json` : name
}

/**
 * Writes a stored file's bytes into a folder (one `output.folder` gave) under `restoredName` (or
 * `name`), checking them against the recorded sha256 before the file appears.
 */
export async function restoreFile(
  backend: Backend,
  record: FileRecord,
  output: SafeOutput,
  folder: string,
  name = restoredName(record),
): Promise<RestoredFile> {
  const written = await output.writeFile(path.join(folder, safeName(name)), async (temp) => {
    const hash = createHash('sha256')
    let size = 0
    await pipeline(
      await backend.objects.openRead(record.sha256, record.category),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk)
          size += chunk.length
          yield chunk
        }
      },
      createWriteStream(temp, {flags: 'wx'}),
    )
    const sha256 = hash.digest('hex')
    if (sha256 !== record.sha256 || size !== record.size) {
      throw new LabmeshError(
        'INVALID_DATA',
        `stored bytes of ${record.fileId} do not match its record (${sha256 === record.sha256 ? `${size} bytes, expected ${record.size}` : `sha256 ${sha256}, expected ${record.sha256}`}): the workspace object is damaged`,
        {subject: record.fileId},
      )
    }
    return {sha256, size}
  })
  return {fileId: record.fileId, path: written.path, ...written.result, verified: true}
}

/** A file name that cannot climb out of the output folder. */
function safeName(name: string): string {
  const cleaned = name.replace(/[/\\]/g, '_').replace(/^\.+$/, '_')
  return cleaned === '' ? 'file' : cleaned
}
