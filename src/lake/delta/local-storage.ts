import {randomUUID} from 'node:crypto'
import {link, mkdir, open, readdir, readFile, rename, rm, stat, unlink} from 'node:fs/promises'
import path from 'node:path'

import {LabmeshError, toLabmeshError} from '../../errors.js'
import {assertContained, realPathOf} from '../../files/contained.js'
import {syncFolder} from '../../files/sync-folder.js'
import {tablePathSegments} from './paths.js'
import type {EngineAccess, LakeStorage, LogStore, StagedFile, StoredObject, TableObjects} from './storage.js'

/**
 * A table in a local directory: DuckDB works on the files in place; commits are linked into place
 * whole. Every file read or written is checked to be inside the table once links are resolved: a
 * data file that is a link to a file elsewhere is never read, nor copied into the lake.
 */
export class LocalLakeStorage implements LakeStorage {
  readonly location: string
  readonly objects: TableObjects
  readonly log: LogStore
  readonly engine: EngineAccess

  constructor(root: string) {
    this.location = path.resolve(root)
    const files = new LocalFiles(this.location)
    this.objects = files
    this.log = {putIfAbsent: (relative, bytes) => files.linkIfAbsent(relative, bytes)}
    this.engine = {
      localFolder: this.location,
      localPath: async (relative) => files.contained(relative),
      stage: (relative) => files.stage(relative),
    }
  }
}

class LocalFiles implements TableObjects {
  private realRoot?: Promise<string>

  constructor(private readonly root: string) {}

  async *list(prefix: string, startAfter = ''): AsyncIterable<StoredObject> {
    // Only the directory that can hold the prefix is walked: listing `_delta_log/` must not walk the data.
    const slash = prefix.lastIndexOf('/')
    const found: StoredObject[] = []
    await this.walk(slash === -1 ? '' : prefix.slice(0, slash), prefix, found)
    yield* found.filter((o) => o.path > startAfter).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  }

  async get(relative: string): Promise<Buffer> {
    try {
      return await readFile(await this.contained(relative))
    } catch (error) {
      throw withSubject(error, relative)
    }
  }

  async head(relative: string): Promise<StoredObject | undefined> {
    try {
      const info = await stat(await this.contained(relative))
      return info.isFile() ? {path: relative, size: info.size, mtime: info.mtimeMs} : undefined
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw withSubject(error, relative)
    }
  }

  async put(relative: string, bytes: Buffer | string): Promise<void> {
    const target = await this.contained(relative, true)
    const temp = await this.writeTemp(target, bytes)
    try {
      await rename(temp, target)
    } catch (error) {
      await unlink(temp).catch(() => undefined)
      throw withSubject(error, relative)
    }
  }

  async deleteMany(paths: string[]): Promise<void> {
    for (const relative of paths) {
      try {
        await unlink(await this.contained(relative, true))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw withSubject(error, relative)
      }
    }
  }

  async deleteAll(): Promise<void> {
    await rm(this.root, {recursive: true, force: true})
  }

  async linkIfAbsent(relative: string, bytes: Buffer | string): Promise<void> {
    const target = await this.contained(relative, true)
    const temp = await this.writeTemp(target, bytes)
    try {
      // link() fails with EEXIST when the name is taken, and the file it publishes is already complete.
      await link(temp, target)
      await syncFolder(path.dirname(target))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new LabmeshError('CONFLICT', `${relative} already exists in ${this.root}`, {subject: relative})
      }
      throw withSubject(error, relative)
    } finally {
      await unlink(temp).catch(() => undefined)
    }
  }

  async stage(relative: string): Promise<StagedFile> {
    // DuckDB writes straight to the final name: until a commit names the file no reader looks at it,
    // and if the writer dies first, vacuum removes it once it is older than the retention.
    const target = await this.contained(relative, true)
    await mkdir(path.dirname(target), {recursive: true})
    return {
      localPath: target,
      publish: async () => {
        const stored = await this.head(relative)
        if (!stored) throw new LabmeshError('NOT_FOUND', `nothing was staged at ${relative}`, {subject: relative})
        return stored
      },
      abort: () => unlink(target).catch(() => undefined),
    }
  }

  /**
   * The file's path in the table, refused when links lead it outside: for a file being written
   * (`creating`) the folders leading to it are resolved, else the file itself.
   */
  async contained(relative: string, creating = false): Promise<string> {
    const target = this.resolve(relative)
    this.realRoot ??= realPathOf(this.root)
    try {
      await assertContained(await this.realRoot, target, `the table ${this.root}`, {parentOnly: creating})
    } catch (error) {
      throw withSubject(error, relative)
    }
    return target
  }

  private resolve(relative: string): string {
    return path.join(this.root, ...tablePathSegments(relative))
  }

  /** A complete, fsynced copy of `bytes` next to `target`, ready to be linked or renamed into place. */
  private async writeTemp(target: string, bytes: Buffer | string): Promise<string> {
    await mkdir(path.dirname(target), {recursive: true})
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`)
    const handle = await open(temp, 'wx')
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } catch (error) {
      await handle.close()
      await unlink(temp).catch(() => undefined)
      throw toLabmeshError(error)
    }
    await handle.close()
    return temp
  }

  private async walk(directory: string, prefix: string, found: StoredObject[]): Promise<void> {
    let entries
    try {
      entries = await readdir(directory === '' ? this.root : path.join(this.root, directory), {withFileTypes: true})
    } catch (error) {
      // A directory removed while walking is simply empty.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw toLabmeshError(error)
    }
    for (const entry of entries) {
      const relative = directory === '' ? entry.name : `${directory}/${entry.name}`
      if (entry.isDirectory()) {
        if (relative.startsWith(prefix) || prefix.startsWith(`${relative}/`)) await this.walk(relative, prefix, found)
      } else if (entry.isFile() && relative.startsWith(prefix)) {
        const info = await stat(path.join(this.root, relative)).catch(() => undefined)
        if (info) found.push({path: relative, size: info.size, mtime: info.mtimeMs})
      }
    }
  }
}

function withSubject(error: unknown, subject: string): LabmeshError {
  const converted = toLabmeshError(error)
  return new LabmeshError(converted.code, converted.message, {cause: error, subject, suggestions: converted.suggestions})
}
