import type {Backend, FileRecord} from '../backends/types.js'

/** A stored file's bytes in memory (instrument exports and documents are small enough). */
export async function readObject(backend: Backend, record: Pick<FileRecord, 'sha256' | 'category'>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of await backend.objects.openRead(record.sha256, record.category)) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
