import type {Readable} from 'node:stream'
import type {S3Client} from '@aws-sdk/client-s3'

import {LabmeshError} from '../../errors.js'
import type {SharedClientConfig} from './client-config.js'
import {awsCall, awsError, awsErrorName, deleteObjectsError} from './errors.js'

export interface S3ObjectInfo {
  key: string
  size: number
  /** Last-Modified in ms. */
  mtime: number
}

export interface PutRequest {
  key: string
  body: Buffer | Readable
  /** Needed for a stream body. */
  contentLength?: number
  /** Base64 sha256 of the body: sent as x-amz-checksum-sha256, which S3 verifies the body against. */
  checksumSha256?: string
  /** If-None-Match: * (create only): an existing key is reported as `created: false`, not written. */
  ifAbsent?: boolean
}

/** Bucket facts `labmesh doctor` checks. */
export interface BucketFacts {
  encryption: {algorithm: string; kmsKeyId?: string; bucketKey?: boolean} | 'none' | 'denied'
  publicAccessBlocked: boolean | 'denied'
  versioning: string | 'denied'
}

export interface S3FacadeOptions {
  bucket: string
  /** Every write is SSE-KMS with this key: there is no way to write unencrypted through this facade. */
  kmsKeyId: string
  /** Path-style URLs (MinIO, Ceph, emulators). */
  pathStyle?: boolean
  /** Bytes per part of a multipart upload (at least 5 MiB); default 16 MiB. */
  partSize?: number
}

const MULTIPART_PART = 16 * 1024 * 1024
const MULTIPART_QUEUE = 4
const DELETE_BATCH = 1000

/**
 * The S3 calls labmesh makes, on one bucket: SSE-KMS on every PutObject and multipart upload,
 * conditional creates, streaming reads, listing as an async iterator (pagination inside), and
 * DeleteObjects in batches of 1,000.
 */
export class S3Facade {
  readonly bucket: string
  private readonly kmsKeyId: string
  private readonly others = new Map<string, S3Facade>()

  private constructor(
    private readonly client: S3Client,
    private readonly sdk: typeof import('@aws-sdk/client-s3'),
    private readonly options: S3FacadeOptions,
  ) {
    if (!options.kmsKeyId)
      throw new LabmeshError('INVALID_INPUT', 'an aws profile needs a KMS key: labmesh writes nothing to S3 unencrypted', {
        suggestions: ['recreate the profile with `labmesh init --backend aws --kms-key-id <key id, ARN or alias/...>`'],
      })
    this.bucket = options.bucket
    this.kmsKeyId = options.kmsKeyId
  }

  static async create(config: SharedClientConfig, options: S3FacadeOptions): Promise<S3Facade> {
    const sdk = await import('@aws-sdk/client-s3')
    const client = new sdk.S3Client({
      ...config,
      forcePathStyle: options.pathStyle ?? false,
      // Checksums are sent where labmesh computes them (the sha256 it names objects by); the SDK's own
      // CRC trailers would turn plain uploads into aws-chunked ones that some S3-compatible servers store as is.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
    return new S3Facade(client, sdk, options)
  }

  /** The facade for the bucket of an s3:// URL (a registered table may live in another bucket): same client, same key. */
  forLocation(url: string): S3Facade {
    const bucket = /^s3:\/\/([^/]+)/.exec(url)?.[1]
    if (!bucket || bucket === this.bucket) return this
    let other = this.others.get(bucket)
    if (!other) this.others.set(bucket, (other = new S3Facade(this.client, this.sdk, {...this.options, bucket})))
    return other
  }

  url(key: string): string {
    return `s3://${this.bucket}/${key}`
  }

  private get encryption() {
    return {ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.kmsKeyId, BucketKeyEnabled: true}
  }

  /** Creates or replaces an object (or with `ifAbsent` creates it only if absent). */
  async put(request: PutRequest): Promise<{created: boolean}> {
    const command = new this.sdk.PutObjectCommand({
      Bucket: this.bucket,
      Key: request.key,
      Body: request.body,
      ...(request.contentLength === undefined ? {} : {ContentLength: request.contentLength}),
      ...(request.checksumSha256 ? {ChecksumSHA256: request.checksumSha256} : {}),
      ...(request.ifAbsent ? {IfNoneMatch: '*'} : {}),
      ...this.encryption,
    })
    try {
      await this.client.send(command)
      return {created: true}
    } catch (error) {
      if (request.ifAbsent && isPreconditionFailed(error)) return {created: false}
      if (request.ifAbsent && awsErrorName(error) === 'ConditionalRequestConflict') {
        throw new LabmeshError('CONFLICT', `a concurrent conditional write to ${this.url(request.key)} is in flight`, {
          cause: error,
          subject: this.url(request.key),
          suggestions: ['retry the same write'],
        })
      }
      throw awsError(error, {action: 's3:PutObject', resource: this.url(request.key)})
    }
  }

  /** A large object in parts (lib-storage: parallel parts, progress); a failure aborts the upload, leaving no parts. */
  async upload(key: string, body: Readable, onProgress?: (loaded: number) => void): Promise<void> {
    const {Upload} = await import('@aws-sdk/lib-storage')
    const upload = new Upload({
      client: this.client,
      params: {Bucket: this.bucket, Key: key, Body: body, ChecksumAlgorithm: 'SHA256', ...this.encryption},
      partSize: this.options.partSize ?? MULTIPART_PART,
      queueSize: MULTIPART_QUEUE,
      leavePartsOnError: false,
    })
    if (onProgress) upload.on('httpUploadProgress', (progress) => progress.loaded !== undefined && onProgress(progress.loaded))
    await awsCall({action: 's3:PutObject', resource: this.url(key)}, () => upload.done())
  }

  /** The object's bytes as a stream, or only `range` of them (both ends included); NOT_FOUND when absent. */
  async getStream(key: string, range?: {start: number; end: number}): Promise<Readable> {
    const output = await awsCall({action: 's3:GetObject', resource: this.url(key)}, () =>
      this.client.send(
        new this.sdk.GetObjectCommand({Bucket: this.bucket, Key: key, ...(range ? {Range: `bytes=${range.start}-${range.end}`} : {})}),
      ),
    )
    return output.Body as Readable
  }

  async getBytes(key: string): Promise<Buffer> {
    const chunks: Buffer[] = []
    for await (const chunk of await this.getStream(key)) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }

  async head(key: string): Promise<S3ObjectInfo | undefined> {
    try {
      const output = await this.client.send(new this.sdk.HeadObjectCommand({Bucket: this.bucket, Key: key}))
      return {key, size: output.ContentLength ?? 0, mtime: output.LastModified?.getTime() ?? 0}
    } catch (error) {
      if (awsErrorName(error) === 'NotFound' || (error as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode === 404)
        return undefined
      throw awsError(error, {action: 's3:GetObject', resource: this.url(key)})
    }
  }

  /** Keys under `prefix`, in key order, after `startAfter` when given. */
  async *list(prefix: string, startAfter?: string): AsyncIterable<S3ObjectInfo> {
    let token: string | undefined
    do {
      const page = await awsCall({action: 's3:ListBucket', resource: this.url(prefix)}, () =>
        this.client.send(
          new this.sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(token ? {ContinuationToken: token} : startAfter ? {StartAfter: startAfter} : {}),
          }),
        ),
      )
      for (const object of page.Contents ?? []) {
        yield {key: object.Key!, size: object.Size ?? 0, mtime: object.LastModified?.getTime() ?? 0}
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
  }

  /** Deletes keys, 1,000 a call; a key S3 could not delete fails the whole call, naming it. */
  async deleteMany(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH)
      const output = await awsCall({action: 's3:DeleteObject', resource: this.url(batch[0])}, () =>
        this.client.send(
          new this.sdk.DeleteObjectsCommand({Bucket: this.bucket, Delete: {Objects: batch.map((Key) => ({Key})), Quiet: true}}),
        ),
      )
      const failed = output.Errors?.[0]
      if (failed) throw deleteObjectsError(failed, {action: 's3:DeleteObject', resource: this.url(failed.Key ?? batch[0])})
    }
  }

  /** The bucket's default encryption, public access block and versioning, for doctor. */
  async bucketFacts(): Promise<BucketFacts> {
    await awsCall({action: 's3:ListBucket', resource: `s3://${this.bucket}`}, () =>
      this.client.send(new this.sdk.HeadBucketCommand({Bucket: this.bucket})),
    )
    const denied = (error: unknown): boolean => ['AccessDenied', 'Forbidden'].includes(awsErrorName(error) ?? '')
    const facts: BucketFacts = {encryption: 'none', publicAccessBlocked: false, versioning: 'Disabled'}
    try {
      const output = await this.client.send(new this.sdk.GetBucketEncryptionCommand({Bucket: this.bucket}))
      const rule = output.ServerSideEncryptionConfiguration?.Rules?.[0]
      const sse = rule?.ApplyServerSideEncryptionByDefault
      if (sse?.SSEAlgorithm)
        facts.encryption = {algorithm: sse.SSEAlgorithm, kmsKeyId: sse.KMSMasterKeyID, bucketKey: rule?.BucketKeyEnabled}
    } catch (error) {
      if (denied(error)) facts.encryption = 'denied'
      else if (awsErrorName(error) !== 'ServerSideEncryptionConfigurationNotFoundError')
        throw awsError(error, {action: 's3:GetEncryptionConfiguration', resource: `s3://${this.bucket}`})
    }
    try {
      const output = await this.client.send(new this.sdk.GetPublicAccessBlockCommand({Bucket: this.bucket}))
      const block = output.PublicAccessBlockConfiguration
      facts.publicAccessBlocked = Boolean(
        block?.BlockPublicAcls && block.BlockPublicPolicy && block.IgnorePublicAcls && block.RestrictPublicBuckets,
      )
    } catch (error) {
      if (denied(error)) facts.publicAccessBlocked = 'denied'
      else if (awsErrorName(error) !== 'NoSuchPublicAccessBlockConfiguration')
        throw awsError(error, {action: 's3:GetBucketPublicAccessBlock', resource: `s3://${this.bucket}`})
    }
    try {
      const output = await this.client.send(new this.sdk.GetBucketVersioningCommand({Bucket: this.bucket}))
      facts.versioning = output.Status ?? 'Disabled'
    } catch (error) {
      if (denied(error)) facts.versioning = 'denied'
      else throw awsError(error, {action: 's3:GetBucketVersioning', resource: `s3://${this.bucket}`})
    }
    return facts
  }

  destroy(): void {
    this.client.destroy()
  }
}

function isPreconditionFailed(error: unknown): boolean {
  return (
    awsErrorName(error) === 'PreconditionFailed' || (error as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode === 412
  )
}
