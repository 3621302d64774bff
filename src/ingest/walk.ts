import type {Dirent} from 'node:fs'
import {lstat, opendir, readdir, stat} from 'node:fs/promises'
import path from 'node:path'
import picomatch from 'picomatch'

import {toLabmeshError, type ErrorCode} from '../errors.js'

export interface FoundFile {
  kind: 'file'
  /** Absolute path as given (symlinks kept, not resolved). */
  path: string
  /** Path relative to the folder argument it was found under (the file name for a file argument). */
  relativePath: string
  size: number
  mtime: Date
  /** The path recorded as the file's source when the bytes are read elsewhere (an upload spooled to a temporary file). */
  sourcePath?: string
}

export interface WalkProblem {
  kind: 'problem'
  path: string
  code: ErrorCode
  message: string
}

export type WalkEntry = FoundFile | WalkProblem

export interface WalkOptions {
  include?: string[]
  exclude?: string[]
}

const utf8 = new TextDecoder('utf-8', {fatal: true})

/**
 * Streams the files under the given paths, depth first, in name order. Memory holds one folder
 * listing per level, never the whole tree. Symlinks are followed (loops detected); every path
 * that cannot be ingested is yielded as a problem with a reason instead of ending the walk.
 */
export async function* walkFiles(inputs: string[], options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  // Case matters to --include and --exclude alone: without them, no input's file system is probed.
  const patterns = Boolean(options.include?.length || options.exclude?.length)
  for (const input of withoutNested(inputs.map((p) => path.resolve(p)))) {
    let info
    try {
      info = await stat(input)
    } catch (error) {
      yield await describeStatError(input, error)
      continue
    }
    const wanted = globFilter(options, patterns && (await caseInsensitiveAt(input, info.isDirectory())))
    if (info.isDirectory()) {
      yield* walkDirectory(input, '', [`${info.dev}:${info.ino}`], wanted)
    } else if (info.isFile()) {
      const relativePath = path.basename(input)
      if (wanted(relativePath)) yield {kind: 'file', path: input, relativePath, size: info.size, mtime: info.mtime}
    } else {
      yield notRegular(input)
    }
  }
}

async function* walkDirectory(
  dir: string,
  relativeDir: string,
  ancestors: string[],
  wanted: (p: string) => boolean,
): AsyncGenerator<WalkEntry> {
  let entries: Dirent<Buffer>[]
  try {
    entries = await readdir(dir, {withFileTypes: true, encoding: 'buffer'})
  } catch (error) {
    const problem = toLabmeshError(error)
    yield {
      kind: 'problem',
      path: dir,
      code: problem.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'UNREADABLE',
      message: `cannot list folder: ${reason(error)}`,
    }
    return
  }
  entries.sort((a, b) => Buffer.compare(a.name, b.name))
  for (const entry of entries) {
    let name: string
    try {
      name = utf8.decode(entry.name)
    } catch {
      const shown = path.join(dir, entry.name.toString('latin1'))
      yield {
        kind: 'problem',
        path: shown,
        code: 'INVALID_INPUT',
        message: `file name is not valid UTF-8 (bytes ${entry.name.toString('hex')}); rename it to ingest it`,
      }
      continue
    }
    const full = path.join(dir, name)
    const relativePath = relativeDir ? `${relativeDir}/${name}` : name
    let info
    try {
      info = await stat(full)
    } catch (error) {
      yield await describeStatError(full, error)
      continue
    }
    if (info.isDirectory()) {
      const id = `${info.dev}:${info.ino}`
      if (ancestors.includes(id)) {
        yield {kind: 'problem', path: full, code: 'UNREADABLE', message: 'symbolic link loop: this folder links back to one of its parents'}
        continue
      }
      yield* walkDirectory(full, relativePath, [...ancestors, id], wanted)
    } else if (info.isFile()) {
      if (wanted(relativePath)) yield {kind: 'file', path: full, relativePath, size: info.size, mtime: info.mtime}
    } else if (wanted(relativePath)) {
      yield notRegular(full)
    }
  }
}

/**
 * --include and --exclude as people read globs: a pattern without a slash matches the file name at
 * any depth (`*.csv` matches a.csv and x/y/a.csv), one with a slash matches the path relative to
 * the folder given; case is ignored where the file system ignores it.
 */
function globFilter(options: WalkOptions, nocase: boolean): (relativePath: string) => boolean {
  const matcher = (globs: string[]): ((relativePath: string) => boolean) => {
    // picomatch's own `basename` option would apply to the patterns with a slash too.
    const names = globs.filter((g) => !g.includes('/'))
    const paths = globs.filter((g) => g.includes('/'))
    const byName = names.length > 0 ? picomatch(names, {dot: true, nocase}) : () => false
    const byPath = paths.length > 0 ? picomatch(paths, {dot: true, nocase}) : () => false
    return (relativePath) => byName(path.posix.basename(relativePath)) || byPath(relativePath)
  }
  const included = options.include?.length ? matcher(options.include) : () => true
  const excluded = options.exclude?.length ? matcher(options.exclude) : () => false
  return (relativePath) => included(relativePath) && !excluded(relativePath)
}

/**
 * Whether the file system holding the files under `input` ignores case: a name there with its
 * letters' case swapped names the same file. Probed where the files are (the file itself, or an
 * entry of the folder): a share mounted on a case-sensitive system can ignore case. Without a name
 * that has letters, the platform's default decides.
 */
async function caseInsensitiveAt(input: string, isDirectory: boolean): Promise<boolean> {
  const probe = isDirectory ? await entryWithLetters(input) : hasLetters(path.basename(input)) ? input : undefined
  if (probe === undefined) return process.platform === 'darwin' || process.platform === 'win32'
  const swapped = path.join(path.dirname(probe), swapCase(path.basename(probe)))
  // lstat: a link is compared as itself, so a broken one can be the probe too.
  const [a, b] = await Promise.all([lstat(probe), lstat(swapped)].map((s) => s.catch(() => undefined)))
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino
}

/** The first entry of a folder whose name has letters (the listing is read only that far). */
async function entryWithLetters(dir: string): Promise<string | undefined> {
  // A folder that cannot be listed is reported by the walk itself.
  const listing = await opendir(dir).catch(() => undefined)
  if (!listing) return undefined
  for await (const entry of listing) if (hasLetters(entry.name)) return path.join(dir, entry.name)
  return undefined
}

const swapCase = (name: string): string => [...name].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('')
const hasLetters = (name: string): boolean => swapCase(name) !== name

/** Drops inputs inside another input folder, so no file is visited twice in one run. */
function withoutNested(inputs: string[]): string[] {
  const unique = [...new Set(inputs)]
  return unique.filter((p) => !unique.some((other) => other !== p && p.startsWith(other.endsWith(path.sep) ? other : other + path.sep)))
}

async function describeStatError(file: string, error: unknown): Promise<WalkProblem> {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') {
    const isLink = await lstat(file).then(
      (s) => s.isSymbolicLink(),
      () => false,
    )
    return isLink
      ? {kind: 'problem', path: file, code: 'NOT_FOUND', message: 'broken symbolic link: its target does not exist'}
      : {kind: 'problem', path: file, code: 'NOT_FOUND', message: 'no such file or folder'}
  }
  if (code === 'ELOOP') return {kind: 'problem', path: file, code: 'UNREADABLE', message: 'symbolic link loop: the link resolves to itself'}
  if (code === 'EACCES' || code === 'EPERM') return {kind: 'problem', path: file, code: 'UNREADABLE', message: 'permission denied'}
  return {kind: 'problem', path: file, code: 'UNREADABLE', message: reason(error)}
}

function notRegular(file: string): WalkProblem {
  return {
    kind: 'problem',
    path: file,
    code: 'INVALID_INPUT',
    message: 'not a regular file (device, socket or pipe): only files are ingested',
  }
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  return e.code ? `${e.code}: ${e.message.replace(/^[A-Z]+: /, '')}` : String(e.message ?? error)
}
