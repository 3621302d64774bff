import {LabmeshError} from '../../errors.js'
import {tombstoneRetentionHours} from './checkpoint.js'
import {decodeDataPath, LOG_DIR} from './paths.js'
import {assertWritable} from './protocol.js'
import {loadSnapshot} from './snapshot.js'
import {type LakeStorage, listAll} from './storage.js'

export interface VacuumOptions {
  /** Files must have been unreferenced for this long; default the table's delta.deletedFileRetentionDuration (7 days). */
  retentionHours?: number
  /** Report what would be deleted without deleting it. */
  dryRun?: boolean
  /**
   * Allow a retention shorter than the table's: a writer still running may have written files it
   * has not committed yet, and readers of older versions may still need removed files.
   */
  allowShortRetention?: boolean
  /** The current time in ms (tests). */
  now?: number
}

export interface VacuumResult {
  dryRun: boolean
  retentionHours: number
  /** Table-relative paths deleted (or that would be), sorted. */
  files: string[]
  bytes: number
}

/**
 * Deletes data files the current version does not reference once they are older than the
 * retention: removed files by their tombstone's time, never-committed files (a writer that died
 * before its commit) by their modification time. The log and hidden files are left alone.
 */
export async function vacuum(storage: LakeStorage, options: VacuumOptions = {}): Promise<VacuumResult> {
  const snapshot = await loadSnapshot(storage)
  assertWritable(snapshot.protocol, snapshot.metadata, snapshot.schema, snapshot.location)
  const tableRetention = tombstoneRetentionHours(snapshot.metadata)
  const retentionHours = options.retentionHours ?? tableRetention
  if (!(retentionHours >= 0)) throw new LabmeshError('INVALID_INPUT', `retention must be zero or more hours, not ${retentionHours}`)
  if (retentionHours < tableRetention && !options.allowShortRetention) {
    throw new LabmeshError('INVALID_INPUT', `a retention of ${retentionHours} hours is shorter than the table's ${tableRetention}`, {
      subject: storage.location,
      suggestions: [
        'pass --force to vacuum with it anyway, when no one else writes the table and no one reads its older versions',
        `or keep the table's retention: leave out --retention (${tableRetention} hours)`,
      ],
    })
  }
  const cutoff = (options.now ?? Date.now()) - retentionHours * 3600_000
  const active = new Set(snapshot.files.map((f) => decodeDataPath(f.path, snapshot.location)))
  const removedAt = new Map(snapshot.tombstones.map((r) => [decodeDataPath(r.path, snapshot.location), r.deletionTimestamp ?? 0]))
  const doomed = (await listAll(storage.objects, '')).filter((object) => {
    if (isHidden(object.path) || active.has(object.path)) return false
    return (removedAt.get(object.path) ?? object.mtime) < cutoff
  })
  if (!options.dryRun) await storage.objects.deleteMany(doomed.map((o) => o.path))
  return {
    dryRun: options.dryRun ?? false,
    retentionHours,
    files: doomed.map((o) => o.path),
    bytes: doomed.reduce((sum, o) => sum + o.size, 0),
  }
}

/**
 * The log, and files or folders starting with `_` or `.` (checksums, change data, temp files), are
 * not data files; a `_` folder holding `=` is a partition folder and is.
 */
function isHidden(relative: string): boolean {
  if (relative.startsWith(`${LOG_DIR}/`)) return true
  const segments = relative.split('/')
  const name = segments.pop() as string
  return name.startsWith('.') || name.startsWith('_') || segments.some((s) => s.startsWith('.') || (s.startsWith('_') && !s.includes('=')))
}
