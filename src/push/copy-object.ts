import {createWriteStream} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'

import type {Backend, FileRecord, StagedObject} from '../backends/types.js'
import {LabmeshError} from '../errors.js'

/** Objects up to this size are copied through memory (as ingest reads small files); larger ones through a temp file. */
const IN_MEMORY_BYTES = 4 * 1024 * 1024

/**
 * Stages a raw file's bytes, read as a stream from one backend's object store, in another's. The
 * target names them by the hash of what it stored: bytes that do not hash to the record's sha256
 * (a damaged copy in the source) are refused, never stored under the record.
 */
export async function copyObject(source: Backend, target: Backend, file: FileRecord): Promise<StagedObject> {
  const stream = await source.objects.openRead(file.sha256, 'RAW')
  let staged: StagedObject
  if (file.size <= IN_MEMORY_BYTES) {
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    staged = await target.objects.stageBytes(Buffer.concat(chunks))
  } else {
    const folder = await mkdtemp(path.join(tmpdir(), 'labmesh-push-'))
    try {
      const copy = path.join(folder, file.sha256)
      await pipeline(stream, createWriteStream(copy, {mode: 0o600}))
      staged = await target.objects.stageFile(copy)
    } finally {
      await rm(folder, {recursive: true, force: true})
    }
  }
  if (staged.sha256 !== file.sha256) {
    throw new LabmeshError(
      'INVALID_DATA',
      `the stored bytes of ${file.sourcePath} (file ${file.fileId}) no longer hash to ${file.sha256}`,
      {
        subject: file.sourcePath,
        suggestions: ['ingest the file again from its source, then push'],
      },
    )
  }
  return staged
}
