import {createHash, randomBytes} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {mkdir, open, readdir, readFile, rename, rm, stat} from 'node:fs/promises'
import path from 'node:path'
import pLimit from 'p-limit'

import type {Label, StageError} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import type {FoundFile} from '../ingest/walk.js'

/** What a spooled file is to be ingested as: everything ingest would have recorded from its source. */
export interface SpoolManifest {
  format: 1
  /** The manifest's file name without `.json`: spooled files go up in the order of their ids. */
  id: string
  sha256: string
  size: number
  /** The file's path at its source, recorded as its source path when it goes up. */
  sourcePath: string
  sourceHost: string
  /** Relative to the monitored path's folder: what the path template reads. */
  relativePath: string
  /** The source's modification time (ISO 8601). */
  mtime: string
  /** The monitored path the file came from, if any. */
  pathName: string | null
  template: string | null
  labels: Label[]
  metadata: Record<string, string>
  /** When the watcher found the file stable (ISO 8601). */
  detectedAt: string
  spooledAt: string
  /** Why it was set aside (in `rejected/`): it failed for a reason other than the service. */
  error?: StageError
}

export type SpoolEntry = Omit<SpoolManifest, 'format' | 'id' | 'sha256' | 'size' | 'mtime' | 'spooledAt' | 'error'>

export interface SpoolUsage {
  /** Files waiting to go up. */
  files: number
  /** Bytes held (each content once). */
  bytes: number
  /** Files set aside because they failed for a reason of their own. */
  rejected: number
}

const MANIFESTS = 'manifests'
const OBJECTS = 'objects'
const REJECTED = 'rejected'
const INCOMING = 'incoming'

/**
 * A local store-and-forward queue: the bytes of files that could not go up, content-addressed
 * (`objects/ab/<sha256>`), and one manifest per file (`manifests/<id>.json`) with what ingest
 * needs. Both are written whole and durable (fsync, then an atomic rename, then the folder's
 * fsync) before `add` returns, so a caller that records "spooled" afterwards never points at
 * nothing. A manifest is removed after its file went up, its bytes once no manifest names them.
 * The folder is self-contained: it can be carried elsewhere and drained with `labmesh push`.
 */
export class Spool {
  /** Pending manifests in upload order, with what the usage needs. */
  private readonly pending = new Map<string, {sha256: string; size: number; file: string}>()
  private readonly references = new Map<string, number>()
  /** Pending manifests per file (path name, relative path, size, time). */
  private readonly held = new Map<string, number>()
  private rejected = 0
  private bytes = 0
  private sequence = 0
  /** One change at a time: a content's bytes are never removed while another manifest is being written for them. */
  private readonly exclusive = pLimit(1)

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /** Opens the spool folder (creating it unless `existing`) and reads what it holds. */
  static async open(dir: string, options: {maxBytes?: number; existing?: boolean} = {}): Promise<Spool> {
    const spool = new Spool(path.resolve(dir), options.maxBytes ?? Number.POSITIVE_INFINITY)
    if (options.existing && !(await stat(spool.dir).catch(() => undefined))?.isDirectory()) {
      throw new LabmeshError('NOT_FOUND', `there is no folder at ${spool.dir}`, {subject: spool.dir})
    }
    if (options.existing && !(await stat(path.join(spool.dir, MANIFESTS)).catch(() => undefined))?.isDirectory()) {
      throw new LabmeshError('INVALID_INPUT', `${spool.dir} is not a labmesh spool folder (it has no manifests/ folder)`, {
        subject: spool.dir,
        suggestions: ['name the folder `labmesh watch --spool` used (default: spool/<profile> beside the local workspaces)'],
      })
    }
    for (const sub of [MANIFESTS, OBJECTS, REJECTED, INCOMING]) await mkdir(path.join(spool.dir, sub), {recursive: true})
    // Copies a crash left unfinished are not referenced by any manifest.
    for (const name of await readdir(path.join(spool.dir, INCOMING))) await rm(path.join(spool.dir, INCOMING, name), {force: true})
    for (const [folder, pending] of [
      [MANIFESTS, true],
      [REJECTED, false],
    ] as const) {
      for (const name of (await readdir(path.join(spool.dir, folder))).filter((n) => n.endsWith('.json')).sort()) {
        const manifest = await readManifest(path.join(spool.dir, folder, name))
        if (pending) spool.hold(manifest)
        else spool.rejected++
        spool.reference(manifest.sha256, manifest.size)
      }
    }
    return spool
  }

  /** What a spool folder holds, read without changing it (another process may be using it); zeros when absent. */
  static async inspect(dir: string): Promise<SpoolUsage> {
    const names = async (sub: string): Promise<string[]> => readdir(path.join(dir, sub)).catch(() => [])
    const count = async (sub: string): Promise<number> => (await names(sub)).filter((n) => n.endsWith('.json')).length
    let bytes = 0
    for (const prefix of await names(OBJECTS)) {
      for (const name of await names(path.join(OBJECTS, prefix))) {
        bytes += (await stat(path.join(dir, OBJECTS, prefix, name)).catch(() => undefined))?.size ?? 0
      }
    }
    return {files: await count(MANIFESTS), bytes, rejected: await count(REJECTED)}
  }

  usage(): SpoolUsage {
    return {files: this.pending.size, bytes: this.bytes, rejected: this.rejected}
  }

  /** Whether a file of a monitored path, at this size and time, waits in the spool. */
  holds(pathName: string, relativePath: string, size: number, mtimeMs: number): boolean {
    const key = fileKey({pathName, relativePath, size, mtime: new Date(mtimeMs).toISOString()})
    return (this.held.get(key) ?? 0) > 0
  }

  /** Where a content's bytes are kept. */
  objectPath(sha256: string): string {
    return path.join(this.dir, OBJECTS, sha256.slice(0, 2), sha256)
  }

  /**
   * Copies a file into the spool, hashing it on the way, and writes its manifest; both durable on
   * return. SPOOL_FULL when it would go over the spool's bound; CONFLICT when the file changed
   * while it was copied (it is not stable after all: nothing is kept).
   */
  add(file: FoundFile, entry: SpoolEntry): Promise<SpoolManifest> {
    return this.exclusive(() => this.write(file, entry))
  }

  /** The next `limit` files to go up, oldest first. */
  async next(limit: number): Promise<SpoolManifest[]> {
    const ids = [...this.pending.keys()].slice(0, limit)
    return Promise.all(ids.map((id) => readManifest(path.join(this.dir, MANIFESTS, `${id}.json`))))
  }

  /** A file went up: its manifest goes, then its bytes if no other manifest names them. */
  done(manifest: SpoolManifest): Promise<void> {
    return this.exclusive(async () => {
      await rm(path.join(this.dir, MANIFESTS, `${manifest.id}.json`), {force: true})
      await syncFolder(path.join(this.dir, MANIFESTS))
      if (this.unhold(manifest)) await this.release(manifest.sha256)
    })
  }

  /** A file that failed for a reason of its own: set aside in `rejected/` with the reason, its bytes kept. */
  reject(manifest: SpoolManifest, error: StageError): Promise<void> {
    return this.exclusive(async () => {
      await writeDurably(path.join(this.dir, REJECTED, `${manifest.id}.json`), JSON.stringify({...manifest, error}, null, 2))
      await rm(path.join(this.dir, MANIFESTS, `${manifest.id}.json`), {force: true})
      await syncFolder(path.join(this.dir, MANIFESTS))
      if (this.unhold(manifest)) this.rejected++
    })
  }

  private async write(file: FoundFile, entry: SpoolEntry): Promise<SpoolManifest> {
    if (this.bytes + file.size > this.maxBytes) {
      throw new LabmeshError(
        'SPOOL_FULL',
        `the spool ${this.dir} is full (${this.bytes} of ${this.maxBytes} bytes); ${file.path} is not spooled`,
        {
          subject: file.path,
          suggestions: [
            'it stays pending at its source and is tried again',
            'raise --spool-max, or drain the spool with `labmesh push --from`',
          ],
        },
      )
    }
    const incoming = path.join(this.dir, INCOMING, `${randomBytes(8).toString('hex')}.part`)
    let sha256: string
    let size: number
    try {
      ;({sha256, size} = await copyDurably(file.path, incoming))
      const after = await stat(file.path)
      if (size !== file.size || after.size !== file.size || after.mtime.getTime() !== file.mtime.getTime()) {
        throw new LabmeshError('CONFLICT', `${file.path} changed while it was spooled`, {subject: file.path})
      }
      const target = this.objectPath(sha256)
      await mkdir(path.dirname(target), {recursive: true})
      await rename(incoming, target)
      await syncFolder(path.dirname(target))
    } finally {
      await rm(incoming, {force: true})
    }
    const manifest: SpoolManifest = {
      format: 1,
      id: this.nextId(),
      sha256,
      size,
      mtime: file.mtime.toISOString(),
      spooledAt: new Date().toISOString(),
      ...entry,
    }
    await writeDurably(path.join(this.dir, MANIFESTS, `${manifest.id}.json`), JSON.stringify(manifest, null, 2))
    this.hold(manifest)
    this.reference(sha256, size)
    return manifest
  }

  private hold(manifest: SpoolManifest): void {
    const file = fileKey(manifest)
    this.pending.set(manifest.id, {sha256: manifest.sha256, size: manifest.size, file})
    this.held.set(file, (this.held.get(file) ?? 0) + 1)
  }

  /** Whether the manifest was pending (and no longer is). */
  private unhold(manifest: SpoolManifest): boolean {
    const pending = this.pending.get(manifest.id)
    if (!pending) return false
    this.pending.delete(manifest.id)
    const left = (this.held.get(pending.file) ?? 1) - 1
    if (left > 0) this.held.set(pending.file, left)
    else this.held.delete(pending.file)
    return true
  }

  private reference(sha256: string, size: number): void {
    const count = this.references.get(sha256) ?? 0
    if (count === 0) this.bytes += size
    this.references.set(sha256, count + 1)
  }

  private async release(sha256: string): Promise<void> {
    const count = (this.references.get(sha256) ?? 1) - 1
    if (count > 0) {
      this.references.set(sha256, count)
      return
    }
    this.references.delete(sha256)
    const target = this.objectPath(sha256)
    const info = await stat(target).catch(() => undefined)
    this.bytes -= info?.size ?? 0
    await rm(target, {force: true})
  }

  /** Sortable by time, unique within the process and across processes (random tail). */
  private nextId(): string {
    const time = String(Date.now()).padStart(14, '0')
    const sequence = String(this.sequence++).padStart(8, '0')
    return `${time}-${sequence}-${randomBytes(4).toString('hex')}`
  }
}

function fileKey(m: Pick<SpoolManifest, 'pathName' | 'relativePath' | 'size' | 'mtime'>): string {
  return JSON.stringify([m.pathName, m.relativePath, m.size, m.mtime])
}

async function readManifest(file: string): Promise<SpoolManifest> {
  let manifest: SpoolManifest
  try {
    manifest = JSON.parse(await readFile(file, 'utf8')) as SpoolManifest
  } catch (error) {
    throw new LabmeshError('INVALID_DATA', `the spool manifest ${file} cannot be read: ${(error as Error).message}`, {subject: file})
  }
  if (manifest.format !== 1 || !/^[0-9a-f]{64}$/.test(manifest.sha256 ?? '') || typeof manifest.sourcePath !== 'string') {
    throw new LabmeshError('INVALID_DATA', `${file} is not a labmesh spool manifest`, {subject: file})
  }
  return {...manifest, id: path.basename(file, '.json')}
}

/** Copies a file to `target`, hashing it, and makes the copy durable. */
async function copyDurably(source: string, target: string): Promise<{sha256: string; size: number}> {
  const hash = createHash('sha256')
  const out = await open(target, 'wx')
  let size = 0
  try {
    for await (const chunk of createReadStream(source) as AsyncIterable<Buffer>) {
      hash.update(chunk)
      await out.write(chunk)
      size += chunk.length
    }
    await out.sync()
  } finally {
    await out.close()
  }
  return {sha256: hash.digest('hex'), size}
}

/** Writes a file whole: a temporary file synced, renamed into place, the folder synced. */
async function writeDurably(file: string, text: string): Promise<void> {
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`
  const out = await open(temporary, 'wx')
  try {
    await out.writeFile(text)
    await out.sync()
  } finally {
    await out.close()
  }
  await rename(temporary, file)
  await syncFolder(path.dirname(file))
}

async function syncFolder(dir: string): Promise<void> {
  // Windows cannot open a folder to sync it; NTFS journals the rename itself.
  if (process.platform === 'win32') return
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
