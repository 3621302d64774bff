import {mkdirSync, statSync} from 'node:fs'
import path from 'node:path'

import {LabmeshError} from '../errors.js'

/**
 * `mkdir -p` with clear errors. Node's own recursive mkdir spins forever where creating a folder
 * fails with ENOENT under an existing one (anywhere in /proc), and reports a file in the way as
 * a bare EEXIST or ENOTDIR; this creates the missing folders one by one and names the problem.
 */
export function makeFolders(dir: string): void {
  const missing: string[] = []
  for (let current = path.resolve(dir); ;) {
    const info = statOf(current)
    if (info?.isDirectory()) break
    if (info) throw new LabmeshError('INVALID_INPUT', `${current} is a file, where a folder is needed`, {subject: current})
    missing.unshift(current)
    const parent = path.dirname(current)
    if (parent === current) break
    current = parent
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST' && statSync(folder).isDirectory()) continue
      throw new LabmeshError('UNREADABLE', `cannot create the folder ${folder} (${code ?? String(error)})`, {
        subject: folder,
        cause: error,
        suggestions: ['choose a folder you can write to'],
      })
    }
  }
}

/** What is at a path, or undefined when nothing is; a file in the way of the path is INVALID_INPUT. */
function statOf(file: string): ReturnType<typeof statSync> {
  try {
    return statSync(file, {throwIfNoEntry: false})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw new LabmeshError('INVALID_INPUT', `${file}: a part of this path is a file, where a folder is needed`, {subject: file})
    throw error
  }
}
