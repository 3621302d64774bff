import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {Transform, type TransformCallback} from 'node:stream'

import {LabmeshError} from '../../errors.js'
import {hashFile} from '../../ingest/hash.js'
import type {Category, ObjectStore, StagedObject} from '../types.js'
import type {S3Facade} from './s3.js'

const SHA256 = /^[0-9a-f]{64}$/
/** Above this, uploads go in parts (parallel, each retried by the SDK, up to 5 TB). */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024

export interface S3ObjectStoreOptions {
  /** '' or a folder ending in `/`. */
  prefix: string
  /** Files larger than this are uploaded in parts; default MULTIPART_THRESHOLD. */
  multipartThreshold?: number
}

/** Where each category's objects live under the profile's prefix. */
const FOLDERS: Record<Category, string> = {RAW: 'raw/', ENGINEERED: 'engineered/'}

/**
 * Content-addressed objects in S3, keyed as locally: `<prefix>raw/<aa>/<sha256>` (engineered
 * documents under `engineered/`). Every write is SSE-KMS with the profile's key and carries the
 * sha256 as `x-amz-checksum-sha256`, so S3 refuses a body that does not hash to its own name; a
 * create is conditional (`If-None-Match: *`): an existing object is the dedup case, not an error.
 */
export function createS3ObjectStore(s3: S3Facade, options: S3ObjectStoreOptions): ObjectStore {
  const {prefix} = options
  const threshold = options.multipartThreshold ?? MULTIPART_THRESHOLD
  const keyOf = (sha256: string, category: Category = 'RAW'): string => {
    if (!SHA256.test(sha256)) throw new LabmeshError('INVALID_INPUT', `not a sha256 digest: ${sha256}`)
    return `${prefix}${FOLDERS[category]}${sha256.slice(0, 2)}/${sha256}`
  }

  const store: ObjectStore = {
    async stageBytes(bytes, putOptions = {}): Promise<StagedObject> {
      const digest = createHash('sha256').update(bytes).digest()
      const sha256 = digest.toString('hex')
      const {created} = await s3.put({
        key: keyOf(sha256, putOptions.category),
        body: bytes,
        checksumSha256: digest.toString('base64'),
        ifAbsent: true,
      })
      return {sha256, size: bytes.length, created}
    },

    async stageFile(sourcePath, putOptions = {}): Promise<StagedObject> {
      // The name must be the hash of the bytes S3 stores: hash first, then upload while checking the
      // bytes sent hash the same (a file changing meanwhile fails the upload, which leaves nothing).
      const {sha256, size} = await hashFile(sourcePath)
      const key = keyOf(sha256, putOptions.category)
      if (await s3.head(key)) return {sha256, size, created: false}
      const verified = verifying(sha256, sourcePath)
      const source = createReadStream(sourcePath, {highWaterMark: 1024 * 1024}).pipe(verified)
      if (size <= threshold) {
        const {created} = await s3.put({
          key,
          body: source,
          contentLength: size,
          checksumSha256: Buffer.from(sha256, 'hex').toString('base64'),
          ifAbsent: true,
        })
        putOptions.onBytes?.(size)
        return {sha256, size, created}
      }
      let reported = 0
      await s3.upload(key, source, (loaded) => {
        putOptions.onBytes?.(loaded - reported)
        reported = loaded
      })
      return {sha256, size, created: true}
    },

    // Staging already wrote each object under its final key, and S3 answers a PUT (or a completed
    // multipart upload) only once the object is durably stored, readable at once: there is nothing
    // left to wait for. Nor is there a half-written name to hide: the key is the content's hash,
    // S3 refuses a body whose checksum differs, and an object no record names yet is no different
    // from one whose record a later run writes (ingest and convert repair by re-running).
    async publish(): Promise<void> {},

    async putBytes(bytes, putOptions) {
      return store.stageBytes(bytes, putOptions)
    },

    async putFile(sourcePath, putOptions) {
      return store.stageFile(sourcePath, putOptions)
    },

    async has(sha256, category) {
      return (await s3.head(keyOf(sha256, category))) !== undefined
    },

    async openRead(sha256, category, range) {
      return s3.getStream(keyOf(sha256, category), range)
    },

    async delete(sha256, category) {
      await s3.deleteMany([keyOf(sha256, category)])
    },
  }
  return store
}

/** Passes bytes through, failing at the end when they do not hash to `sha256`. */
function verifying(sha256: string, sourcePath: string): Transform {
  const hash = createHash('sha256')
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk)
      callback(null, chunk)
    },
    flush(callback: TransformCallback) {
      const actual = hash.digest('hex')
      callback(
        actual === sha256
          ? null
          : new LabmeshError('INVALID_DATA', `${sourcePath} changed while it was uploaded; nothing was stored`, {
              subject: sourcePath,
              suggestions: ['ingest it again once the instrument has finished writing it'],
            }),
      )
    },
  })
}
