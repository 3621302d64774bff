import {createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import type {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import type {Backend, FileRecord, StagedObject} from '../backends/types.js'
import {LabmeshError} from '../errors.js'

/** Objects up to this size are copied through memory (as ingest reads small files); larger ones through a temp file. */
const IN_MEMORY_BYTES = 4 * 1024 * 1024

/**
 * Stages a raw file's bytes, read as a stream from one backend's object store, in another's. The
 * bytes are hashed as they are read, and those that do not hash to the record's sha256 (a damaged
 * copy in the source) are refused before anything reaches the target.
 */
export async function copyObject(source: Backend, target: Backend, file: FileRecord): Promise<StagedObject> {
  const stream = checked(await source.objects.openRead(file.sha256, 'RAW'), file)
  if (file.size <= IN_MEMORY_BYTES) {
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk)
    return target.objects.stageBytes(Buffer.concat(chunks))
  }
  const folder = await mkdtemp(path.join(tmpdir(), 'labmesh-push-'))
  try {
    const copy = path.join(folder, file.sha256)
    await pipeline(stream, createWriteStream(copy, {mode: 0o600}))
    return await target.objects.stageFile(copy)
  } finally {
    await rm(folder, {recursive: true, force: true})
  }
}

/** The bytes passed through, failing at their end (INVALID_DATA) when they do not hash to the record's sha256. */
async function* checked(bytes: Readable, file: FileRecord): AsyncGenerator<Buffer> {
  const hash = createHash('sha256')
  for await (const chunk of bytes as AsyncIterable<Buffer>) {
    hash.update(chunk)
    yield chunk
  }
  if (hash.digest('hex') === file.sha256) return
  throw new LabmeshError('INVALID_DATA', `the stored bytes of ${file.sourcePath} (file ${file.fileId}) no longer hash to ${file.sha256}`, {
    subject: file.sourcePath,
    suggestions: ['ingest the file again from its source, then push'],
  })
}
