import {constants as fsConstants} from 'node:fs'
import {link, lstat, mkdir, mkdtemp, open, readdir, rename, rm, rmdir} from 'node:fs/promises'
import path from 'node:path'

import type {Backend} from '../backends/types.js'
import {LabmeshError, toLabmeshError} from '../errors.js'
import {isInside, realPathOf} from '../files/contained.js'
import {makeFolders} from '../files/make-folders.js'

/**
 * Where labmesh writes what a user asks for: `query --out` and `--package`, `package pull`,
 * `files get`, `search --download`. Outputs never land in the workspace or a registered table's
 * folder (a read-only command must not be able to change stored data, a Delta log for one), and
 * only ever create a new regular file, or with `force` replace a regular file: a FIFO, a device, a
 * folder or a symbolic link at the target is refused, never written through. Each output is made
 * in a private temp folder beside the target and appears there whole, or not at all.
 */
export class SafeOutput {
  /**
   * @param protectedFolders the folders nothing may be written into (real paths), each with what it is
   * @param force replace an existing regular file at a target
   */
  constructor(
    private readonly protectedFolders: ProtectedFolder[],
    readonly force = false,
  ) {}

  /** The rules for a backend: nothing written into its workspace (or cache) or its tables' folders on this machine. */
  static async forBackend(backend: Backend, options: {force?: boolean} = {}): Promise<SafeOutput> {
    const tables = (await backend.catalog.list()).map((entry) => ({
      path: entry.location,
      what: `the folder of table ${entry.database}.${entry.table}`,
    }))
    return SafeOutput.outside([...backend.capabilities.localState, ...tables], options)
  }

  /** The rules that keep outputs out of these folders (remote locations, URLs, are skipped: nothing local writes there). */
  static async outside(folders: ProtectedFolder[], options: {force?: boolean} = {}): Promise<SafeOutput> {
    const local = folders.filter((folder) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(folder.path))
    return new SafeOutput(
      await Promise.all(local.map(async (folder) => ({...folder, path: await realPathOf(path.resolve(folder.path))}))),
      options.force,
    )
  }

  /**
   * Writes one file at `target`: `produce` writes it at the temp path it is given, then it is
   * published under the target's name (CONFLICT if a file appeared there meanwhile, unless `force`).
   */
  async writeFile<T>(target: string, produce: (temp: string) => Promise<T>): Promise<{path: string; result: T}> {
    const final = await this.check(target)
    const existing = await entryAt(final)
    if (existing) this.assertReplaceable(final, existing)
    return this.staged(final, async (staging) => {
      const temp = path.join(staging, path.basename(final))
      const result = await produce(temp)
      if (this.force) await rename(temp, final)
      else await linkNew(temp, final)
      return result
    })
  }

  /** Writes a folder (a data package) at `target`, which must be absent or an empty folder: `produce` fills the staging folder it is given. */
  async writeFolder<T>(target: string, produce: (staging: string) => Promise<T>): Promise<{path: string; result: T}> {
    const final = await this.check(target)
    const existing = await entryAt(final)
    if (existing) await assertEmptyFolder(final, existing)
    return this.staged(final, async (staging) => {
      const inner = path.join(staging, path.basename(final))
      await mkdir(inner)
      const result = await produce(inner)
      // An empty folder that was there is replaced; anything else that appeared meanwhile stops the rename.
      if (existing) await rmdir(final).catch(() => undefined)
      try {
        await rename(inner, final)
      } catch (error) {
        throw ['EEXIST', 'ENOTEMPTY', 'ENOTDIR', 'EISDIR'].includes((error as NodeJS.ErrnoException).code ?? '')
          ? new LabmeshError('CONFLICT', `${final} appeared while the output was written; nothing was replaced`, {subject: final})
          : error
      }
      return result
    })
  }

  /** A folder that files will be written into (`files get --out`): created when missing; its real path. */
  async folder(dir: string): Promise<string> {
    const final = await this.check(dir, {folder: true})
    const existing = await entryAt(final)
    if (existing && !existing.isDirectory())
      throw new LabmeshError('INVALID_INPUT', `${final} is ${describeEntry(existing)}, not a folder: files are written into a folder`, {
        subject: final,
        suggestions: ['give a folder (it is created when missing)'],
      })
    makeFolders(final)
    return final
  }

  /** The absolute target with every existing parent resolved, refused when it is inside a protected folder. */
  private async check(target: string, options: {folder?: boolean} = {}): Promise<string> {
    const absolute = path.resolve(target)
    const name = path.basename(absolute)
    if (name === '' || name === '.' || name === '..' || absolute === path.parse(absolute).root)
      throw new LabmeshError('INVALID_INPUT', `${target} does not name a ${options.folder ? 'folder' : 'file'} to write`, {subject: target})
    // A folder given as the output is followed like any folder; the target's own name never is.
    const final = options.folder ? await realPathOf(absolute) : path.join(await realPathOf(path.dirname(absolute)), name)
    const inside = this.protectedFolders.find((folder) => isInside(final, folder.path))
    if (inside) {
      throw new LabmeshError('FORBIDDEN', `${final} is inside ${inside.what} (${inside.path}): labmesh writes outputs elsewhere only`, {
        subject: final,
        suggestions: ['choose a path outside the workspace and the tables of `labmesh catalog list`'],
      })
    }
    return final
  }

  private assertReplaceable(final: string, existing: Entry): void {
    if (!existing.isFile())
      throw new LabmeshError('INVALID_INPUT', `${final} is ${describeEntry(existing)}: labmesh writes only regular files`, {
        subject: final,
        suggestions: ['choose a new file name'],
      })
    if (!this.force)
      throw new LabmeshError('CONFLICT', `${final} already exists`, {
        subject: final,
        suggestions: ['pass --force to replace it, or choose another name'],
      })
  }

  /** Runs `write` with a private temp folder (mode 0700, unique) beside `final`, removed afterwards whatever happens. */
  private async staged<T>(final: string, write: (staging: string) => Promise<T>): Promise<{path: string; result: T}> {
    const parent = path.dirname(final)
    makeFolders(parent)
    const staging = await mkdtemp(path.join(parent, `.${path.basename(final).slice(0, 40)}.partial-`))
    try {
      return {path: final, result: await write(staging)}
    } finally {
      await rm(staging, {recursive: true, force: true})
    }
  }
}

export interface ProtectedFolder {
  /** A real path. */
  path: string
  /** What it is, for messages: "the workspace", "the folder of table lab.files". */
  what: string
}

type Entry = Awaited<ReturnType<typeof lstat>>

/** What is at a path, without following a link there; undefined when nothing is. */
async function entryAt(file: string): Promise<Entry | undefined> {
  try {
    return await lstat(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw toLabmeshError(error)
  }
}

function describeEntry(entry: Entry): string {
  if (entry.isSymbolicLink()) return 'a symbolic link'
  if (entry.isDirectory()) return 'a folder'
  if (entry.isFIFO()) return 'a FIFO'
  if (entry.isSocket()) return 'a socket'
  if (entry.isCharacterDevice() || entry.isBlockDevice()) return 'a device'
  return 'a file'
}

async function assertEmptyFolder(final: string, existing: Entry): Promise<void> {
  if (!existing.isDirectory())
    throw new LabmeshError('CONFLICT', `${final} is ${describeEntry(existing)}; a package is a new or empty folder`, {subject: final})
  if ((await readdir(final)).length > 0) {
    throw new LabmeshError('CONFLICT', `${final} is not empty; a package goes into a new or empty folder`, {
      subject: final,
      suggestions: ['choose another folder, or remove this one first'],
    })
  }
}

/** Publishes `temp` as `final` only if nothing is there: link() fails on an existing name, whatever it is. */
async function linkNew(temp: string, final: string): Promise<void> {
  try {
    await link(temp, final)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST')
      throw new LabmeshError('CONFLICT', `${final} appeared while the output was written; nothing was replaced`, {
        subject: final,
        suggestions: ['pass --force to replace it'],
      })
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error
    // A filesystem without hard links: claim the name exclusively (never through a link), then move the file over it.
    await createExclusive(final)
    await rename(temp, final)
  }
}

async function createExclusive(file: string): Promise<void> {
  const handle = await open(file, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY | (fsConstants.O_NOFOLLOW ?? 0))
  await handle.close()
}
