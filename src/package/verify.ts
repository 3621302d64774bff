import {getHashes} from 'node:crypto'
import {readFile, stat} from 'node:fs/promises'
import path from 'node:path'

import {LabmeshError} from '../errors.js'
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

/**
 * Checks every resource of a data package against `datapackage.json`: its files exist inside the
 * package folder, and their size and hash (sha256, md5 or any algorithm Node knows, `algo:hex`)
 * are the recorded ones. A resource in several files is checked as their concatenation.
 */
export async function verifyDataPackage(dir: string): Promise<PackageCheck> {
  const root = path.resolve(dir)
  const descriptor = await readDescriptor(root)
  const resources: ResourceCheck[] = []
  for (const [i, resource] of descriptor.resources.entries()) resources.push(await checkResource(root, resource, i))
  return {dir: root, valid: resources.every((r) => r.ok), resources}
}

async function readDescriptor(root: string): Promise<DataPackage> {
  const file = path.join(root, DESCRIPTOR)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new LabmeshError('NOT_FOUND', `${root} holds no ${DESCRIPTOR}; it is not a data package`, {subject: file})
    throw error
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new LabmeshError('INVALID_DATA', `${file} is not JSON: ${(error as Error).message}`, {subject: file, cause: error})
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
      else if (!(await stat(file).catch(() => undefined))?.isFile()) check.problems.push(`${relative} is missing`)
      else files.push(file)
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
