import {mkdirSync, renameSync, writeFileSync} from 'node:fs'
import path from 'node:path'

/** Writes a small file whole or not at all (a temporary file renamed into place): readers never see half of it. */
export function writeFileAtomically(file: string, text: string, mode?: number): void {
  mkdirSync(path.dirname(file), {recursive: true})
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, text, mode === undefined ? undefined : {mode})
  renameSync(temp, file)
}
