import type {Backend} from '../backends/types.js'

/** A stored object's bytes in memory (instrument exports and documents are small enough). */
export async function readObject(backend: Backend, sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of await backend.objects.openRead(sha256)) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
