import {createHash, randomBytes} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {mkdir, open, readdir, readFile, rename, rm, stat} from 'node:fs/promises'
import path from 'node:path'
import pLimit from 'p-limit'

import type {Label, StageError} from '../backends/types.js'
import {LabmeshError, toLabmeshError} from '../errors.js'
import {hashFile} from '../ingest/hash.js'
import type {FoundFile} from '../ingest/walk.js'
import {syncFolder} from '../files/sync-folder.js'
import {lockFolder} from './lock.js'

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
/** Files copied (and fsynced) at once within a batch: parallel fsyncs share the file system's journal commits. */
const COPIES = 16

/**
 * A local store-and-forward queue: the bytes of files that could not go up, content-addressed
 * (`objects/ab/<sha256>`), and one manifest per file (`manifests/<id>.json`) with what ingest
 * needs. A batch is made durable in two steps before `addMany` returns, so a caller that records
 * "spooled" afterwards never points at nothing: every copy is fsynced and renamed into `objects/`,
 * and the folders it touched fsynced; then every manifest is fsynced and renamed into
 * `manifests/`, and that folder fsynced once. A crash between the steps leaves bytes no manifest
 * names, which the next `open` removes. A manifest is removed after its file went up, its bytes
 * once no manifest names them. One process at a time holds a spool (a lock inside the folder).
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

  private release?: () => Promise<void>
  /** Set once another process took the spool's lock over: from then on it refuses every change. */
  private lost?: LabmeshError

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /**
   * Opens the spool folder (creating it unless `existing`), takes its lock and reads what it holds.
   * CONFLICT when another process holds it: two drains never send the same file twice.
   */
  static async open(
    dir: string,
    options: {maxBytes?: number; existing?: boolean; onLost?: (error: LabmeshError) => void} = {},
  ): Promise<Spool> {
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
    spool.release = await lockFolder(spool.dir, 'spool', {
      onLost(error) {
        spool.lost = error
        options.onLost?.(error)
      },
    })
    try {
      await spool.load()
    } catch (error) {
      await spool.close()
      throw error
    }
    return spool
  }

  /** Gives the spool's lock back (another process may then open it). */
  async close(): Promise<void> {
    const release = this.release
    this.release = undefined
    await release?.()
  }

  private async load(): Promise<void> {
    // Copies and manifests a crash left unfinished are named by no manifest.
    for (const name of await readdir(path.join(this.dir, INCOMING))) await rm(path.join(this.dir, INCOMING, name), {force: true})
    for (const [folder, pending] of [
      [MANIFESTS, true],
      [REJECTED, false],
    ] as const) {
      const names = await readdir(path.join(this.dir, folder))
      // Temporary manifests of older spools were written beside the manifests.
      for (const name of names.filter((n) => n.endsWith('.tmp'))) await rm(path.join(this.dir, folder, name), {force: true})
      for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
        const manifest = await readManifest(path.join(this.dir, folder, name))
        if (pending) this.hold(manifest)
        else this.rejected++
        this.reference(manifest.sha256, manifest.size)
      }
    }
    // Bytes a crash left without their manifest (between the two steps of a batch).
    for (const prefix of await readdir(path.join(this.dir, OBJECTS))) {
      for (const name of await readdir(path.join(this.dir, OBJECTS, prefix)).catch(() => [])) {
        if (!this.references.has(name)) await rm(path.join(this.dir, OBJECTS, prefix, name), {force: true})
      }
    }
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
  async add(file: FoundFile, entry: SpoolEntry): Promise<SpoolManifest> {
    const [outcome] = await this.addMany([{file, entry}])
    if (outcome instanceof LabmeshError) throw outcome
    return outcome
  }

  /**
   * `add` for a batch, made durable together (see the class): one outcome per file, in order, a
   * manifest or the error that kept that file out (the others are spooled all the same).
   */
  addMany(files: Array<{file: FoundFile; entry: SpoolEntry}>): Promise<Array<SpoolManifest | LabmeshError>> {
    return this.exclusive(() => this.whileHeld(() => this.write(files)))
  }

  /**
   * Whether a spooled file's bytes are still those its manifest names: INVALID_DATA (or UNREADABLE
   * when they are gone) otherwise, so a damaged copy is never sent under the wrong hash.
   */
  async verify(manifest: SpoolManifest): Promise<LabmeshError | undefined> {
    const target = this.objectPath(manifest.sha256)
    const actual = await hashFile(target).catch((error: unknown) => toLabmeshError(error))
    if (actual instanceof LabmeshError) {
      return new LabmeshError('UNREADABLE', `the spooled copy of ${manifest.sourcePath} (${target}) cannot be read: ${actual.message}`, {
        subject: manifest.sourcePath,
      })
    }
    if (actual.sha256 === manifest.sha256 && actual.size === manifest.size) return undefined
    return new LabmeshError(
      'INVALID_DATA',
      `the spooled copy of ${manifest.sourcePath} is damaged: ${target} holds ${actual.size} bytes hashing to ${actual.sha256}, its manifest says ${manifest.size} bytes hashing to ${manifest.sha256}; it is not sent`,
      {subject: manifest.sourcePath, suggestions: ['send the file again from its source, if it is still there']},
    )
  }

  /** The next `limit` files to go up, oldest first. */
  async next(limit: number): Promise<SpoolManifest[]> {
    if (this.lost) throw this.lost
    const ids = [...this.pending.keys()].slice(0, limit)
    return Promise.all(ids.map((id) => readManifest(path.join(this.dir, MANIFESTS, `${id}.json`))))
  }

  /** A file went up: its manifest goes, then its bytes if no other manifest names them. */
  done(manifest: SpoolManifest): Promise<void> {
    return this.doneMany([manifest])
  }

  /** `done` for a batch: the manifests go, the folder is synced once, then the bytes no manifest names. */
  doneMany(manifests: SpoolManifest[]): Promise<void> {
    return this.exclusive(() =>
      this.whileHeld(async () => {
        await Promise.all(manifests.map((m) => rm(path.join(this.dir, MANIFESTS, `${m.id}.json`), {force: true})))
        await syncFolder(path.join(this.dir, MANIFESTS))
        for (const manifest of manifests) if (this.unhold(manifest)) await this.unreference(manifest.sha256)
      }),
    )
  }

  /** A file that failed for a reason of its own: set aside in `rejected/` with the reason, its bytes kept. */
  reject(manifest: SpoolManifest, error: StageError): Promise<void> {
    return this.exclusive(() =>
      this.whileHeld(async () => {
        await this.writeDurably([[path.join(this.dir, REJECTED, `${manifest.id}.json`), JSON.stringify({...manifest, error}, null, 2)]])
        await rm(path.join(this.dir, MANIFESTS, `${manifest.id}.json`), {force: true})
        await syncFolder(path.join(this.dir, MANIFESTS))
        if (this.unhold(manifest)) this.rejected++
      }),
    )
  }

  /** Runs a change while the spool's lock is still this process's: never two processes changing one spool. */
  private async whileHeld<T>(change: () => Promise<T>): Promise<T> {
    if (this.lost) throw this.lost
    return change()
  }

  private async write(files: Array<{file: FoundFile; entry: SpoolEntry}>): Promise<Array<SpoolManifest | LabmeshError>> {
    const incoming = files.map(() => path.join(this.dir, INCOMING, `${randomBytes(8).toString('hex')}.part`))
    const outcomes: Array<{sha256: string; size: number; incoming: string} | LabmeshError> = []
    let reserved = this.bytes
    for (const [i, {file}] of files.entries()) {
      if (reserved + file.size > this.maxBytes) outcomes.push(this.full(file))
      else {
        reserved += file.size
        outcomes.push({sha256: '', size: 0, incoming: incoming[i]})
      }
    }
    try {
      // Step 1: every copy durable under its content's name, and the folders naming them.
      const copies = pLimit(COPIES)
      await Promise.all(
        files.map(({file}, i) =>
          copies(async () => {
            const outcome = outcomes[i]
            if (outcome instanceof LabmeshError) return
            outcomes[i] = await copyStable(file, outcome.incoming).then(
              (copied) => ({...copied, incoming: outcome.incoming}),
              (error: unknown) => toLabmeshError(error),
            )
          }),
        ),
      )
      const folders = new Set<string>()
      for (const outcome of outcomes) {
        if (outcome instanceof LabmeshError) continue
        const target = this.objectPath(outcome.sha256)
        if (!folders.has(path.dirname(target))) await mkdir(path.dirname(target), {recursive: true})
        await rename(outcome.incoming, target)
        folders.add(path.dirname(target))
      }
      if (folders.size > 0) folders.add(path.join(this.dir, OBJECTS))
      await Promise.all([...folders].map((folder) => syncFolder(folder)))

      // Step 2: the manifests, durable with one sync of their folder.
      const spooledAt = new Date().toISOString()
      const results = files.map(({file, entry}, i): SpoolManifest | LabmeshError => {
        const outcome = outcomes[i]
        if (outcome instanceof LabmeshError) return outcome
        const {sha256, size} = outcome
        return {format: 1, id: this.nextId(), sha256, size, mtime: file.mtime.toISOString(), spooledAt, ...entry}
      })
      const manifests = results.filter((r): r is SpoolManifest => !(r instanceof LabmeshError))
      await this.writeDurably(manifests.map((m) => [path.join(this.dir, MANIFESTS, `${m.id}.json`), JSON.stringify(m, null, 2)]))
      for (const manifest of manifests) {
        this.hold(manifest)
        this.reference(manifest.sha256, manifest.size)
      }
      return results
    } finally {
      await Promise.all(incoming.map((part) => rm(part, {force: true})))
    }
  }

  private full(file: FoundFile): LabmeshError {
    return new LabmeshError(
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

  /** Writes files whole: each written in `incoming/` and synced, renamed into place, their folders synced once. */
  private async writeDurably(files: Array<[file: string, text: string]>): Promise<void> {
    const writes = pLimit(COPIES)
    const temporaries = files.map(() => path.join(this.dir, INCOMING, `${randomBytes(8).toString('hex')}.json`))
    try {
      await Promise.all(
        files.map(([, text], i) =>
          writes(async () => {
            const out = await open(temporaries[i], 'wx')
            try {
              await out.writeFile(text)
              await out.sync()
            } finally {
              await out.close()
            }
          }),
        ),
      )
      for (const [i, [file]] of files.entries()) await rename(temporaries[i], file)
    } finally {
      await Promise.all(temporaries.map((t) => rm(t, {force: true})))
    }
    await Promise.all([...new Set(files.map(([file]) => path.dirname(file)))].map((folder) => syncFolder(folder)))
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

  private async unreference(sha256: string): Promise<void> {
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

/**
 * Copies a file to `target`, hashing it, and makes the copy durable. CONFLICT when the file
 * changed while it was copied (it is not stable after all).
 */
async function copyStable(file: FoundFile, target: string): Promise<{sha256: string; size: number}> {
  const hash = createHash('sha256')
  const out = await open(target, 'wx')
  let size = 0
  try {
    for await (const chunk of createReadStream(file.path) as AsyncIterable<Buffer>) {
      hash.update(chunk)
      await out.write(chunk)
      size += chunk.length
    }
    await out.sync()
  } finally {
    await out.close()
  }
  const after = await stat(file.path)
  if (size !== file.size || after.size !== file.size || after.mtime.getTime() !== file.mtime.getTime()) {
    throw new LabmeshError('CONFLICT', `${file.path} changed while it was spooled`, {subject: file.path})
  }
  return {sha256: hash.digest('hex'), size}
}
