import {createHash, randomUUID} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {access, mkdir, open, rename, rm} from 'node:fs/promises'
import path from 'node:path'
import type {Readable} from 'node:stream'

import {LabmeshError} from '../../errors.js'
import type {ByteRange, Category, ObjectStore, PutOptions, StagedObject} from '../types.js'
import {syncFolder} from '../../files/sync-folder.js'

const SHA256 = /^[0-9a-f]{64}$/
/** Large reads make the single read-hash-write pass run near disk speed. */
const CHUNK = 4 * 1024 * 1024

export interface LocalObjectStoreOptions {
  /** Folder of objects: `<root>/<aa>/<sha256>`. */
  root: string
  /** Folder for in-flight writes, on the same filesystem so the final rename is atomic. */
  tempDir: string
}

/**
 * Content-addressed objects on the filesystem. Each object is written to a temp file while
 * hashing; publishing fsyncs the temp files of a batch together (the journal merges fsyncs that
 * run at once), renames them to `<aa>/<sha256>` and fsyncs the folders that gained a name. A crash
 * leaves at most stray temp files (swept on open), never a partial object under its final name,
 * and an object is durable before any record can point at it.
 */
export function createLocalObjectStore(options: LocalObjectStoreOptions): ObjectStore {
  const objectPath = (sha256: string): string => {
    if (!SHA256.test(sha256)) throw new LabmeshError('INVALID_INPUT', `not a sha256 digest: ${sha256}`)
    return path.join(options.root, sha256.slice(0, 2), sha256)
  }

  const exists = async (file: string): Promise<boolean> => {
    try {
      await access(file)
      return true
    } catch {
      return false
    }
  }

  // The 256 fan-out folders, once made, stay: remembering them saves a mkdir per object.
  const madeFolders = new Set<string>()

  const tempFile = (): string => path.join(options.tempDir, `${randomUUID()}.part`)

  /** Writes into a temp file, without waiting for the disk: publish does that for the batch. */
  const writeTemp = async (write: (temp: string) => Promise<{sha256: string; size: number}>): Promise<StagedObject> => {
    const temp = tempFile()
    try {
      const {sha256, size} = await write(temp)
      if (await exists(objectPath(sha256))) {
        await rm(temp, {force: true})
        return {sha256, size, created: false}
      }
      return {sha256, size, created: true, pending: temp}
    } catch (error) {
      await rm(temp, {force: true})
      throw error
    }
  }

  const store: ObjectStore = {
    async stageFile(sourcePath: string, putOptions: PutOptions = {}): Promise<StagedObject> {
      return writeTemp(async (temp) => {
        // One pass: each chunk read is hashed while the previous one is written, so the name always
        // matches the bytes stored even if the source changes meanwhile.
        const hash = createHash('sha256')
        let size = 0
        const target = await open(temp, 'wx', 0o444)
        try {
          let writing: Promise<unknown> = Promise.resolve()
          for await (const chunk of createReadStream(sourcePath, {highWaterMark: CHUNK})) {
            const bytes = chunk as Buffer
            await writing
            writing = target.writeFile(bytes)
            hash.update(bytes)
            size += bytes.length
            putOptions.onBytes?.(bytes.length)
          }
          await writing
        } finally {
          await target.close()
        }
        return {sha256: hash.digest('hex'), size}
      })
    },

    async stageBytes(bytes: Buffer): Promise<StagedObject> {
      const sha256 = createHash('sha256').update(bytes).digest('hex')
      if (await exists(objectPath(sha256))) return {sha256, size: bytes.length, created: false}
      return writeTemp(async (temp) => {
        const handle = await open(temp, 'wx', 0o444)
        try {
          await handle.writeFile(bytes)
        } finally {
          await handle.close()
        }
        return {sha256, size: bytes.length}
      })
    },

    async publish(objects: StagedObject[]): Promise<void> {
      // Identical bytes staged twice in a batch are published once.
      const waiting = new Map<string, string>()
      const extra: string[] = []
      for (const object of objects) {
        if (!object.pending) continue
        if (waiting.has(object.sha256)) extra.push(object.pending)
        else waiting.set(object.sha256, object.pending)
      }
      await Promise.all(extra.map((temp) => rm(temp, {force: true})))
      if (waiting.size === 0) return
      // All fsyncs at once (libuv runs them on its thread pool): the filesystem commits them together.
      await Promise.all([...waiting.values()].map((temp) => syncFile(temp)))
      const folders = new Set<string>()
      await Promise.all(
        [...waiting].map(async ([sha256, temp]) => {
          const final = objectPath(sha256)
          const folder = path.dirname(final)
          if (!madeFolders.has(folder)) {
            await mkdir(folder, {recursive: true})
            madeFolders.add(folder)
          }
          // Replacing an object that appeared meanwhile is harmless: same name, same bytes.
          await rename(temp, final)
          folders.add(folder)
        }),
      )
      await Promise.all([...folders].map((folder) => syncFolder(folder)))
    },

    async putFile(sourcePath: string, putOptions: PutOptions = {}) {
      const staged = await store.stageFile(sourcePath, putOptions)
      await store.publish([staged])
      return {sha256: staged.sha256, size: staged.size, created: staged.created}
    },

    async putBytes(bytes: Buffer) {
      const staged = await store.stageBytes(bytes)
      await store.publish([staged])
      return {sha256: staged.sha256, size: staged.size, created: staged.created}
    },

    async has(sha256: string): Promise<boolean> {
      return exists(objectPath(sha256))
    },

    async delete(sha256: string): Promise<void> {
      await rm(objectPath(sha256), {force: true})
    },

    async openRead(sha256: string, _category?: Category, range?: ByteRange): Promise<Readable> {
      const file = objectPath(sha256)
      if (!(await exists(file))) {
        throw new LabmeshError('NOT_FOUND', `object ${sha256} is missing from the workspace (${options.root})`, {subject: sha256})
      }
      return createReadStream(file, {highWaterMark: CHUNK, ...range})
    },
  }
  return store
}

/** fsync of a file's bytes. */
async function syncFile(target: string): Promise<void> {
  const handle = await open(target, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
