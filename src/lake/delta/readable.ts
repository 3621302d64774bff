import {LabmeshError} from '../../errors.js'
import {isAdd, isRemove} from './actions.js'
import {listLog, readCommit} from './log-reader.js'
import {decodeDataPath, LOG_DIR} from './paths.js'
import {loadSnapshot, type Snapshot} from './snapshot.js'
import {type LakeStorage, listAll} from './storage.js'

/**
 * The versions whose data files are all still there. Vacuum deletes files that the latest version
 * no longer uses, so older versions stop being readable, not always in order: one pass over the
 * log counts, for each version, its active files that are gone.
 */
export async function readableVersions(storage: LakeStorage): Promise<number[]> {
  const present = await dataFiles(storage)
  const {commits, checkpoints} = await listLog(storage)
  const active = new Set<string>()
  let missing = 0
  const add = (file: string): void => {
    if (active.has(file)) return
    active.add(file)
    if (!present.has(file)) missing++
  }
  const remove = (file: string): void => {
    if (!active.delete(file)) return
    if (!present.has(file)) missing--
  }
  const readable: number[] = []
  // The log starts at version 0, or (once old commits are cleaned up) at the oldest checkpoint.
  let from = 0
  if (commits[0]?.version !== 0 && checkpoints.length > 0) {
    const base = await loadSnapshot(storage, {version: checkpoints[0].version})
    for (const file of base.files) add(decodeDataPath(file.path, storage.location))
    if (missing === 0) readable.push(base.version)
    from = base.version + 1
  }
  for (const commit of commits.filter((c) => c.version >= from)) {
    for (const action of await readCommit(storage, commit.version)) {
      if (isAdd(action)) add(decodeDataPath(action.add.path, storage.location))
      else if (isRemove(action)) remove(decodeDataPath(action.remove.path, storage.location))
    }
    if (missing === 0) readable.push(commit.version)
  }
  return readable
}

/**
 * Refuses a snapshot whose data files were vacuumed, naming the versions still readable (DuckDB
 * would otherwise fail on the first missing file with "No files found").
 */
export async function assertReadable(storage: LakeStorage, snapshot: Snapshot, table: string): Promise<void> {
  const files = snapshot.files.map((f) => decodeDataPath(f.path, storage.location))
  const present = await dataFiles(storage)
  const gone = files.filter((file) => !present.has(file)).length
  if (gone === 0) return
  const readable = await readableVersions(storage)
  throw new LabmeshError(
    'NOT_FOUND',
    `version ${snapshot.version} of ${table} was vacuumed: ${gone} of its ${files.length} data files are gone`,
    {
      subject: table,
      suggestions: [
        readable.length > 0 ? `versions still readable: ${versionRanges(readable)}` : 'no version of it is readable any more',
        `see its versions with \`labmesh catalog history ${table}\``,
      ],
    },
  )
}

/** The table's files outside the log, in one listing. */
async function dataFiles(storage: LakeStorage): Promise<Set<string>> {
  return new Set((await listAll(storage.objects, '')).filter((o) => !o.path.startsWith(`${LOG_DIR}/`)).map((o) => o.path))
}

/** [1, 2, 3, 7, 9, 10] -> "1-3, 7, 9-10". */
export function versionRanges(versions: number[]): string {
  const ranges: string[] = []
  for (let i = 0; i < versions.length;) {
    let j = i
    while (j + 1 < versions.length && versions[j + 1] === versions[j] + 1) j++
    ranges.push(i === j ? String(versions[i]) : `${versions[i]}-${versions[j]}`)
    i = j + 1
  }
  return ranges.join(', ')
}
