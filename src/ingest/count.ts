import {walkFiles, type WalkOptions} from './walk.js'

/** Files and bytes under the paths, for a progress bar's totals (a walk, no reads). */
export async function countFiles(paths: string[], options: WalkOptions): Promise<{files: number; bytes: number}> {
  let files = 0
  let bytes = 0
  for await (const entry of walkFiles(paths, options)) {
    files++
    if (entry.kind === 'file') bytes += entry.size
  }
  return {files, bytes}
}
