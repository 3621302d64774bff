import {renameSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {makeFolders} from '../files/make-folders.js'

/** Writes a small file whole or not at all (a temporary file renamed into place): readers never see half of it. */
export function writeFileAtomically(file: string, text: string, mode?: number): void {
  makeFolders(path.dirname(file))
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, text, mode === undefined ? undefined : {mode})
  renameSync(temp, file)
}
