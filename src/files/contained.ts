import {constants as fsConstants} from 'node:fs'
import {type FileHandle, open, realpath} from 'node:fs/promises'
import path from 'node:path'

import {LabmeshError, toLabmeshError} from '../errors.js'

/**
 * Files labmesh reads or writes inside a folder it was given (a table, a data package): their
 * real path, links resolved, must stay inside the folder's real path, so a symbolic link cannot
 * lead a read or a write anywhere else.
 */

/** The real path of `file`: its deepest existing ancestor resolved, the missing rest appended. */
export async function realPathOf(file: string): Promise<string> {
  try {
    return await realpath(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const parent = path.dirname(file)
    if (code === 'ENOENT' && parent !== file) return path.join(await realPathOf(parent), path.basename(file))
    if (code === 'ENOTDIR') throw new LabmeshError('INVALID_INPUT', `${file}: a part of this path is a file, not a folder`, {subject: file})
    throw toLabmeshError(error)
  }
}

/** Whether `file` is `folder` or inside it (both real, absolute paths). */
export function isInside(file: string, folder: string): boolean {
  return file === folder || file.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep)
}

/**
 * `file`'s real path, refused with FORBIDDEN when it is outside `root` (a real path). With
 * `parentOnly`, only the folders leading to it are resolved (a file about to be created).
 */
export async function assertContained(root: string, file: string, what: string, options: {parentOnly?: boolean} = {}): Promise<string> {
  const real = options.parentOnly ? path.join(await realPathOf(path.dirname(file)), path.basename(file)) : await realPathOf(file)
  if (!isInside(real, root)) {
    throw new LabmeshError('FORBIDDEN', `${file} leads outside ${what} (to ${real}): only files inside it are used`, {
      subject: file,
      suggestions: ['replace the symbolic link by the file itself'],
    })
  }
  return real
}

/**
 * Opens a regular file for reading without following a link at its name and without waiting on
 * a FIFO or a device; anything but a regular file is refused with INVALID_DATA.
 */
export async function openRegularFile(file: string): Promise<FileHandle> {
  let handle: FileHandle
  try {
    handle = await open(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new LabmeshError('INVALID_DATA', `${file} is a symbolic link; only regular files are read`, {subject: file, cause: error})
    throw toLabmeshError(error)
  }
  const info = await handle.stat()
  if (!info.isFile()) {
    await handle.close()
    throw new LabmeshError(
      'INVALID_DATA',
      `${file} is ${info.isDirectory() ? 'a folder' : 'not a regular file'}; only regular files are read`,
      {
        subject: file,
      },
    )
  }
  return handle
}

/**
 * A file a person named (SQL for `query --file`, a raw file for `convert file`, a converter
 * module), opened for reading: links are followed, but it must then be a regular file, so a FIFO
 * or a device (`/dev/zero`) is refused instead of blocking or reading forever.
 */
export async function openInputFile(file: string): Promise<FileHandle> {
  let real: string
  try {
    real = await realpath(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new LabmeshError('NOT_FOUND', `${file} does not exist`, {subject: file})
    throw toLabmeshError(error)
  }
  return openRegularFile(real)
}

/** The bytes of a file a person named (openInputFile), refused with INVALID_INPUT beyond `maxBytes`. */
export async function readInputFile(file: string, maxBytes: number): Promise<Buffer> {
  const handle = await openInputFile(file)
  try {
    const {size} = await handle.stat()
    if (size > maxBytes)
      throw new LabmeshError('INVALID_INPUT', `${file} is ${size} bytes, more than the ${maxBytes} this reads`, {subject: file})
    return await handle.readFile()
  } finally {
    await handle.close()
  }
}
