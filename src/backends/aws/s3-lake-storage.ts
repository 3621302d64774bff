import {randomUUID} from 'node:crypto'
import {createReadStream, createWriteStream} from 'node:fs'
import {lstat, mkdir, rename, rm} from 'node:fs/promises'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'

import {isLabmeshError, LabmeshError} from '../../errors.js'
import {hashFile} from '../../ingest/hash.js'
import {tablePathSegments} from '../../lake/delta/paths.js'
import type {EngineAccess, LakeStorage, LogStore, StagedFile, StoredObject, TableObjects} from '../../lake/delta/storage.js'
import {MULTIPART_THRESHOLD} from './object-store.js'
import type {S3Facade} from './s3.js'

export interface S3LakeStorageOptions {
  /**
   * Downloaded data files and checkpoints, kept by their S3 path (they are never rewritten in
   * place); files DuckDB writes are staged in its `.staging/` folder, on the same filesystem, so
   * that once uploaded they become cached copies by a rename.
   */
  cacheDir: string
}

/** How many times a commit is sent again when S3 says another conditional write to the key was in flight (409). */
const CONFLICT_RETRIES = 5
/** Keys per DeleteObjects call when a whole table goes. */
const DELETE_PAGE = 1000

/**
 * A Delta table under an s3:// location. Object I/O is plain S3; the log store's promise ("a
 * commit file appears whole, once") is PutObject with `If-None-Match: *` (412 = another writer
 * won; 409 ConditionalRequestConflict = retry the same write); DuckDB reads cached downloads and
 * writes staged files that are uploaded, then committed.
 */
export class S3LakeStorage implements LakeStorage {
  readonly location: string
  readonly objects: TableObjects
  readonly log: LogStore
  readonly engine: EngineAccess
  private readonly root: string

  constructor(
    private readonly s3: S3Facade,
    location: string,
    private readonly options: S3LakeStorageOptions,
  ) {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location)
    if (!match || match[1] !== s3.bucket) {
      throw new LabmeshError('INVALID_INPUT', `${location} is not a location in bucket ${s3.bucket}`, {subject: location})
    }
    this.root = match[2].replace(/\/+$/, '')
    this.location = `s3://${s3.bucket}/${this.root}`
    this.objects = {
      get: async (relative) => s3.getBytes(this.key(relative)),
      head: async (relative) => {
        const info = await s3.head(this.key(relative))
        return info && {path: relative, size: info.size, mtime: info.mtime}
      },
      put: async (relative, bytes) => {
        await s3.put({key: this.key(relative), body: Buffer.from(bytes)})
      },
      list: (prefix, startAfter) => this.list(prefix, startAfter),
      deleteMany: async (paths) => s3.deleteMany(paths.map((p) => this.key(p))),
      deleteAll: () => this.deleteAll(),
    }
    this.log = {putIfAbsent: async (relative, bytes) => this.putIfAbsent(relative, Buffer.from(bytes))}
    this.engine = {
      localFolder: path.join(options.cacheDir, s3.bucket, ...this.root.split('/')),
      localPath: (relative) => this.cached(relative),
      stage: (relative) => this.stage(relative),
    }
  }

  private key(relative: string): string {
    return `${this.root}/${tablePathSegments(relative).join('/')}`
  }

  private async *list(prefix: string, startAfter?: string): AsyncIterable<StoredObject> {
    const base = `${this.root}/`
    for await (const object of this.s3.list(base + prefix, startAfter === undefined ? undefined : base + startAfter)) {
      yield {path: object.key.slice(base.length), size: object.size, mtime: object.mtime}
    }
  }

  /** Every object under the root, a listing page at a time (the continuation is past the keys deleted). */
  private async deleteAll(): Promise<void> {
    let page: string[] = []
    for await (const object of this.s3.list(`${this.root}/`)) {
      page.push(object.key)
      if (page.length === DELETE_PAGE) {
        await this.s3.deleteMany(page)
        page = []
      }
    }
    if (page.length > 0) await this.s3.deleteMany(page)
  }

  private async putIfAbsent(relative: string, bytes: Buffer): Promise<void> {
    const key = this.key(relative)
    for (let attempt = 0; ; attempt++) {
      try {
        const {created} = await this.s3.put({key, body: bytes, ifAbsent: true})
        if (!created) throw new LabmeshError('CONFLICT', `${relative} already exists in ${this.location}`, {subject: relative})
        return
      } catch (error) {
        const inFlight = isLabmeshError(error, 'CONFLICT') && error.suggestions.includes('retry the same write')
        if (!inFlight || attempt >= CONFLICT_RETRIES) throw error
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt))
      }
    }
  }

  private cacheFile(key: string): string {
    return path.join(this.options.cacheDir, this.s3.bucket, ...key.split('/'))
  }

  /**
   * A local copy of an immutable object, downloaded once and then read from the cache. Only a
   * regular file counts as cached: a link at its place is replaced by the download, never followed.
   */
  private async cached(relative: string): Promise<string> {
    const file = this.cacheFile(this.key(relative))
    if (
      await lstat(file).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return file
    await mkdir(path.dirname(file), {recursive: true})
    const temp = `${file}.${randomUUID()}.part`
    try {
      await pipeline(await this.s3.getStream(this.key(relative)), createWriteStream(temp))
      await rename(temp, file)
    } catch (error) {
      await rm(temp, {force: true})
      throw error
    }
    return file
  }

  private async stage(relative: string): Promise<StagedFile> {
    const key = this.key(relative)
    const dir = path.join(this.options.cacheDir, '.staging', randomUUID())
    await mkdir(dir, {recursive: true})
    const localPath = path.join(dir, path.posix.basename(relative))
    const abort = () => rm(dir, {recursive: true, force: true})
    return {
      localPath,
      abort,
      publish: async () => {
        try {
          const {sha256, size} = await hashFile(localPath)
          if (size > MULTIPART_THRESHOLD) await this.s3.upload(key, createReadStream(localPath))
          else {
            const checksumSha256 = Buffer.from(sha256, 'hex').toString('base64')
            await this.s3.put({key, body: createReadStream(localPath), contentLength: size, checksumSha256})
          }
          // The file DuckDB wrote is the object's content: it becomes the cached copy readers use.
          const cachedFile = this.cacheFile(key)
          await mkdir(path.dirname(cachedFile), {recursive: true})
          await rename(localPath, cachedFile).catch(() => undefined)
          return {path: relative, size, mtime: Date.now()}
        } finally {
          await abort()
        }
      },
    }
  }
}
