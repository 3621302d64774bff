import {createHash, randomUUID} from 'node:crypto'
import {constants, createReadStream} from 'node:fs'
import {access, copyFile, mkdir, open, rename, rm} from 'node:fs/promises'
import path from 'node:path'
import type {Readable} from 'node:stream'

import {LabmeshError} from '../../errors.js'
import type {ObjectStore, PutOptions, StoredObject} from '../types.js'

const SHA256 = /^[0-9a-f]{64}$/
/** Large reads make the single hash-and-copy pass run near disk speed. */
const CHUNK = 1024 * 1024

export interface LocalObjectStoreOptions {
  /** Folder of objects: `<root>/<aa>/<sha256>`. */
  root: string
  /** Folder for in-flight writes, on the same filesystem so the final rename is atomic. */
  tempDir: string
}

/**
 * Content-addressed objects on the filesystem. Each write streams into a temp file while
 * hashing, is fsynced, then renamed to `<aa>/<sha256>`: a crash leaves at most a stray temp
 * file (swept on open), never a partial object under its final name.
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

  /**
   * Moves a finished temp file into place. Replacing an object that appeared meanwhile is
   * harmless: same name, same bytes.
   */
  const commit = async (temp: string, sha256: string, size: number): Promise<StoredObject> => {
    const final = objectPath(sha256)
    const folder = path.dirname(final)
    if (!madeFolders.has(folder)) {
      await mkdir(folder, {recursive: true})
      madeFolders.add(folder)
    }
    await rename(temp, final)
    return {sha256, size, created: true}
  }

  const tempFile = (): string => path.join(options.tempDir, `${randomUUID()}.part`)

  return {
    async putFile(sourcePath: string, putOptions: PutOptions = {}): Promise<StoredObject> {
      const temp = tempFile()
      try {
        // The kernel copies (copy_file_range, no bytes through JS); the hash is then taken of the copy,
        // so the name always matches the stored bytes even if the source changes meanwhile.
        await copyFile(sourcePath, temp, constants.COPYFILE_EXCL)
        const hash = createHash('sha256')
        let size = 0
        const handle = await open(temp, 'r')
        try {
          for await (const chunk of handle.createReadStream({highWaterMark: CHUNK, autoClose: false})) {
            hash.update(chunk as Buffer)
            size += (chunk as Buffer).length
            putOptions.onBytes?.((chunk as Buffer).length)
          }
          await handle.chmod(0o444)
          await handle.sync()
        } finally {
          await handle.close()
        }
        const sha256 = hash.digest('hex')
        if (await exists(objectPath(sha256))) {
          await rm(temp, {force: true})
          return {sha256, size, created: false}
        }
        return await commit(temp, sha256, size)
      } catch (error) {
        await rm(temp, {force: true})
        throw error
      }
    },

    async putBytes(bytes: Buffer): Promise<StoredObject> {
      const sha256 = createHash('sha256').update(bytes).digest('hex')
      if (await exists(objectPath(sha256))) return {sha256, size: bytes.length, created: false}
      const temp = tempFile()
      try {
        // Creating, renaming and fsyncing wait on the filesystem journal: done in the thread pool, they never block the event loop.
        const handle = await open(temp, 'wx', 0o444)
        try {
          await handle.writeFile(bytes)
          await handle.sync()
        } finally {
          await handle.close()
        }
        return await commit(temp, sha256, bytes.length)
      } catch (error) {
        await rm(temp, {force: true})
        throw error
      }
    },

    async has(sha256: string): Promise<boolean> {
      return exists(objectPath(sha256))
    },

    async delete(sha256: string): Promise<void> {
      await rm(objectPath(sha256), {force: true})
    },

    async openRead(sha256: string): Promise<Readable> {
      const file = objectPath(sha256)
      if (!(await exists(file))) {
        throw new LabmeshError('NOT_FOUND', `object ${sha256} is missing from the workspace (${options.root})`, {subject: sha256})
      }
      return createReadStream(file, {highWaterMark: CHUNK})
    },
  }
}
