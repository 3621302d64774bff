import {randomUUID} from 'node:crypto'
import {link, mkdir, open, readdir, readFile, rename, rm, stat, unlink} from 'node:fs/promises'
import path from 'node:path'

import {LabmeshError, toLabmeshError} from '../../errors.js'
import type {LakeStorage, StoredObject} from './storage.js'

/** A table in a local directory. Commits are made atomic by writing a temp file and linking it into place. */
export class LocalLakeStorage implements LakeStorage {
  readonly location: string

  constructor(root: string) {
    this.location = path.resolve(root)
  }

  async list(prefix: string, startAfter = ''): Promise<StoredObject[]> {
    // Only the directory that can hold the prefix is walked: listing `_delta_log/` must not walk the data.
    const slash = prefix.lastIndexOf('/')
    const start = slash === -1 ? '' : prefix.slice(0, slash)
    const found: StoredObject[] = []
    await this.walk(start, prefix, found)
    return found.filter((o) => o.path > startAfter).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  }

  async read(relative: string): Promise<Buffer> {
    try {
      return await readFile(this.resolve(relative))
    } catch (error) {
      throw withSubject(error, relative)
    }
  }

  async stat(relative: string): Promise<StoredObject | undefined> {
    try {
      const info = await stat(this.resolve(relative))
      return info.isFile() ? {path: relative, size: info.size, mtime: info.mtimeMs} : undefined
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw withSubject(error, relative)
    }
  }

  async writeIfAbsent(relative: string, bytes: Buffer | string): Promise<void> {
    const target = this.resolve(relative)
    const temp = await this.writeTemp(target, bytes)
    try {
      // link() fails with EEXIST when the name is taken, and the file it publishes is already complete.
      await link(temp, target)
      await syncDirectory(path.dirname(target))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new LabmeshError('CONFLICT', `${relative} already exists in ${this.location}`, {subject: relative})
      }
      throw withSubject(error, relative)
    } finally {
      await unlink(temp).catch(() => undefined)
    }
  }

  async write(relative: string, bytes: Buffer | string): Promise<void> {
    const target = this.resolve(relative)
    const temp = await this.writeTemp(target, bytes)
    try {
      await rename(temp, target)
    } catch (error) {
      await unlink(temp).catch(() => undefined)
      throw withSubject(error, relative)
    }
  }

  async delete(relative: string): Promise<void> {
    try {
      await unlink(this.resolve(relative))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw withSubject(error, relative)
    }
  }

  async deleteAll(): Promise<void> {
    await rm(this.location, {recursive: true, force: true})
  }

  async localPath(relative: string): Promise<string> {
    return this.resolve(relative)
  }

  async stageFile(relative: string): Promise<string> {
    // DuckDB writes straight to the final name: until a commit names the file no reader looks at it,
    // and if the writer dies first, vacuum removes it once it is older than the retention.
    const target = this.resolve(relative)
    await mkdir(path.dirname(target), {recursive: true})
    return target
  }

  async putStagedFile(relative: string): Promise<void> {
    if (!(await this.stat(relative))) throw new LabmeshError('NOT_FOUND', `nothing was staged at ${relative}`, {subject: relative})
  }

  private resolve(relative: string): string {
    const segments = relative.split('/')
    if (relative === '' || path.isAbsolute(relative) || segments.some((s) => s === '..' || s === '.' || s === '')) {
      throw new LabmeshError('INVALID_DATA', `"${relative}" is not a path inside the table`, {subject: relative})
    }
    return path.join(this.location, ...segments)
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
      entries = await readdir(directory === '' ? this.location : path.join(this.location, directory), {withFileTypes: true})
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
        const info = await stat(path.join(this.location, relative)).catch(() => undefined)
        if (info) found.push({path: relative, size: info.size, mtime: info.mtimeMs})
      }
    }
  }
}

/** fsync on the directory makes the new name itself durable, not only the file's bytes. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function withSubject(error: unknown, subject: string): LabmeshError {
  const converted = toLabmeshError(error)
  return new LabmeshError(converted.code, converted.message, {cause: error, subject, suggestions: converted.suggestions})
}
