import {getHashes} from 'node:crypto'
import path from 'node:path'

import {LabmeshError} from '../errors.js'
import {assertContained, openRegularFile, realPathOf} from '../files/contained.js'
import {type DataPackage, type DataResource, DESCRIPTOR, digestFiles} from './descriptor.js'

export interface ResourceCheck {
  name: string
  paths: string[]
  /** False when a problem was found, or nothing could be checked. */
  ok: boolean
  bytes: {expected: number | null; actual: number | null}
  hash: {expected: string | null; actual: string | null}
  problems: string[]
}

export interface PackageCheck {
  dir: string
  valid: boolean
  resources: ResourceCheck[]
}

const REMOTE = /^(https?|ftps?):\/\//i
// Descriptors are small; a bigger file is not one, and is not read into memory.
const MAX_DESCRIPTOR_BYTES = 64 * 1024 * 1024

/**
 * Checks every resource of a data package against `datapackage.json`: its files exist inside the
 * package folder, and their size and hash (sha256, md5 or any algorithm Node knows, `algo:hex`)
 * are the recorded ones. A resource in several files is checked as their concatenation.
 */
export async function verifyDataPackage(dir: string): Promise<PackageCheck> {
  const root = await realPathOf(path.resolve(dir))
  const descriptor = await readDescriptor(root)
  const resources: ResourceCheck[] = []
  for (const [i, resource] of descriptor.resources.entries()) resources.push(await checkResource(root, resource, i))
  return {dir: root, valid: resources.every((r) => r.ok), resources}
}

async function readDescriptor(root: string): Promise<DataPackage> {
  const file = path.join(root, DESCRIPTOR)
  let text: string
  try {
    const handle = await openRegularFile(await assertContained(root, file, 'the package'))
    try {
      if ((await handle.stat()).size > MAX_DESCRIPTOR_BYTES)
        throw new LabmeshError('INVALID_DATA', `${file} is larger than a descriptor can be (${MAX_DESCRIPTOR_BYTES} bytes)`, {
          subject: file,
        })
      text = await handle.readFile('utf8')
    } finally {
      await handle.close()
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'NOT_FOUND')
      throw new LabmeshError('NOT_FOUND', `${root} holds no ${DESCRIPTOR}; it is not a data package`, {subject: file})
    if (code === 'ENOTDIR') throw new LabmeshError('INVALID_INPUT', `${root} is not a folder; a data package is one`, {subject: root})
    throw error
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    // JSON.parse quotes the text it failed on: not repeated here, whatever file this turns out to be.
    const position = /position (\d+)/.exec((error as Error).message)?.[1]
    throw new LabmeshError('INVALID_DATA', `${file} is not JSON${position ? ` (at character ${position})` : ''}`, {subject: file})
  }
  const resources = (parsed as {resources?: unknown})?.resources
  if (
    !Array.isArray(resources) ||
    resources.length === 0 ||
    !resources.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))
  ) {
    throw new LabmeshError('INVALID_DATA', `${file} has no resources: a data package lists at least one`, {subject: file})
  }
  return parsed as DataPackage
}

async function checkResource(root: string, resource: DataResource, index: number): Promise<ResourceCheck> {
  const name = typeof resource.name === 'string' ? resource.name : `#${index + 1}`
  const paths = typeof resource.path === 'string' ? [resource.path] : Array.isArray(resource.path) ? resource.path.map(String) : []
  const check: ResourceCheck = {
    name,
    paths,
    ok: false,
    bytes: {expected: typeof resource.bytes === 'number' ? resource.bytes : null, actual: null},
    hash: {expected: typeof resource.hash === 'string' ? resource.hash : null, actual: null},
    problems: [],
  }
  if (paths.length === 0) {
    check.problems.push(resource.data === undefined ? 'the resource has no path' : 'inline data: no file to check')
    return check
  }
  if (check.bytes.expected === null && check.hash.expected === null)
    check.problems.push('the descriptor records neither bytes nor hash for it')
  const files: string[] = []
  for (const relative of paths) {
    if (REMOTE.test(relative)) check.problems.push(`${relative} is remote: only files in the package are checked`)
    else {
      const file = insidePackage(root, relative)
      if (!file) check.problems.push(`${relative} is not a path inside the package`)
      else {
        const opened = await resourceFile(root, file)
        if ('problem' in opened) check.problems.push(`${relative} ${opened.problem}`)
        else files.push(opened.real)
      }
    }
  }
  if (check.problems.length > 0) return check

  const expected = parseHash(check.hash.expected)
  if (typeof expected === 'string') check.problems.push(expected)
  const algorithm = typeof expected === 'object' ? expected.algorithm : 'sha256'
  const digest = await digestFiles(files, algorithm)
  check.bytes.actual = digest.bytes
  check.hash.actual = `${algorithm}:${digest.hex}`
  if (check.bytes.expected !== null && check.bytes.expected !== digest.bytes)
    check.problems.push(`${check.bytes.expected} bytes recorded, ${digest.bytes} found`)
  if (typeof expected === 'object' && expected.hex !== digest.hex)
    check.problems.push(`the ${algorithm} hash differs from the recorded one`)
  check.ok = check.problems.length === 0
  return check
}

/** A resource file's real path, or why it cannot be checked (missing, a link out of the package, not a regular file). */
async function resourceFile(root: string, file: string): Promise<{real: string} | {problem: string}> {
  try {
    const real = await assertContained(root, file, 'the package')
    await (await openRegularFile(real)).close()
    return {real}
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'NOT_FOUND') return {problem: 'is missing'}
    if (code === 'FORBIDDEN') return {problem: 'leads outside the package (a symbolic link)'}
    if (code === 'INVALID_DATA' || code === 'ENOTDIR') return {problem: 'is not a regular file'}
    throw error
  }
}

/** The file a descriptor path names, or undefined when the path is absolute or leaves the package folder. */
function insidePackage(root: string, relative: string): string | undefined {
  if (relative === '' || path.isAbsolute(relative) || relative.includes('\\') || relative.startsWith('~')) return undefined
  const file = path.resolve(root, relative)
  return file.startsWith(root + path.sep) ? file : undefined
}

/** `sha256:ab..` (any case), or bare hex as MD5 (the spec's default); a string says what is wrong with it. */
function parseHash(text: string | null): {algorithm: string; hex: string} | string | undefined {
  if (text === null) return undefined
  const colon = text.indexOf(':')
  const algorithm = colon === -1 ? 'md5' : text.slice(0, colon).toLowerCase()
  const hex = (colon === -1 ? text : text.slice(colon + 1)).toLowerCase()
  if (!/^[0-9a-f]+$/.test(hex)) return `hash "${text}" is not algorithm:hex`
  if (!getHashes().includes(algorithm)) return `hash algorithm "${algorithm}" is unknown`
  return {algorithm, hex}
}
