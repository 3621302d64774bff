import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'

/** sha256 and size of a file, streamed (dry runs; and S3, where an object is named before it is uploaded). */
export async function hashFile(file: string): Promise<{sha256: string; size: number}> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(file, {highWaterMark: 1024 * 1024})) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  return {sha256: hash.digest('hex'), size}
}
