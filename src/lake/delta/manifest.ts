import {LabmeshError} from '../../errors.js'
import {type Action, type AddAction, isAdd, isRemove, type MetadataAction} from './actions.js'
import {decodeDataPath, partitionDirectory} from './paths.js'
import {loadSnapshot, type Snapshot} from './snapshot.js'
import {listAll, type LakeStorage} from './storage.js'

/** The table property that asks every writer to keep the manifests current (Delta's own name for it). */
export const SYMLINK_MANIFEST_PROPERTY = 'delta.compatibility.symlinkFormatManifest.enabled'
export const MANIFEST_DIR = '_symlink_format_manifest'
const MANIFEST_FILE = 'manifest'
// Another writer committed while the manifests were written: write them again from its version, a few times at most.
const MAX_ROUNDS = 5

export interface ManifestResult {
  /** The table version the manifests list the files of. */
  version: number
  /** Manifest files written (one per partition, or one for an unpartitioned table). */
  written: number
  /** Manifests deleted because their partition has no files left. */
  deleted: number
}

export function manifestsEnabled(metadata: MetadataAction): boolean {
  return metadata.configuration[SYMLINK_MANIFEST_PROPERTY]?.toLowerCase() === 'true'
}

/**
 * Writes the symlink manifests Redshift Spectrum, Presto and Hive read a Delta table through:
 * `_symlink_format_manifest/<partition dirs>/manifest`, the absolute URI of each active data file
 * on a line. `partitions` (directories, '' for an unpartitioned table) limits the work to those a
 * commit touched; without it every manifest is written and those of vanished partitions deleted,
 * which is also how a table whose writer died between commit and manifest is repaired. Each
 * manifest is replaced whole, so a reader sees the old list or the new one.
 */
export async function writeManifests(storage: LakeStorage, partitions?: Set<string>): Promise<ManifestResult> {
  let result: ManifestResult | undefined
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const snapshot = await loadSnapshot(storage)
    if (result && snapshot.version === result.version) return result
    result = await writeFromSnapshot(storage, snapshot, partitions)
    // A commit that landed meanwhile may have had its manifests overwritten by ours: check again.
  }
  return result!
}

/** The partition directories ('' for none) a commit's adds and removes touch. */
export function touchedPartitions(actions: Action[], partitionColumns: string[]): Set<string> {
  const touched = new Set<string>()
  for (const action of actions) {
    const values = isAdd(action) ? action.add.partitionValues : isRemove(action) ? action.remove.partitionValues : undefined
    if (values) touched.add(partitionOf(values, partitionColumns))
  }
  return touched
}

async function writeFromSnapshot(storage: LakeStorage, snapshot: Snapshot, partitions: Set<string> | undefined): Promise<ManifestResult> {
  assertManifestable(snapshot)
  const groups = new Map<string, string[]>()
  for (const file of snapshot.files) {
    const partition = partitionOf(file.partitionValues ?? {}, snapshot.partitionColumns)
    if (partitions && !partitions.has(partition)) continue
    const lines = groups.get(partition) ?? []
    lines.push(absoluteUri(storage.location, file))
    groups.set(partition, lines)
  }
  for (const [partition, lines] of groups) await storage.objects.put(manifestPath(partition), lines.sort().join('\n') + '\n')

  const stale = partitions
    ? [...partitions].filter((p) => !groups.has(p)).map(manifestPath)
    : (await listAll(storage.objects, `${MANIFEST_DIR}/`)).map((o) => o.path).filter((p) => !groups.has(partitionOfManifest(p)))
  await storage.objects.deleteMany(stale)
  return {version: snapshot.version, written: groups.size, deleted: stale.length}
}

function assertManifestable(snapshot: Snapshot): void {
  const mode = snapshot.configuration['delta.columnMapping.mode'] ?? 'none'
  if (mode !== 'none')
    throw new LabmeshError(
      'UNSUPPORTED',
      `${snapshot.location} uses column mapping (${mode}): manifest readers would see the physical column names`,
      {
        subject: snapshot.location,
        suggestions: ['query it with Athena (native Delta) instead of a manifest reader'],
      },
    )
}

function partitionOf(values: Record<string, string | null>, columns: string[]): string {
  return partitionDirectory(columns.map((column) => [column, values[column] ?? null]))
}

function manifestPath(partition: string): string {
  return partition === '' ? `${MANIFEST_DIR}/${MANIFEST_FILE}` : `${MANIFEST_DIR}/${partition}/${MANIFEST_FILE}`
}

function partitionOfManifest(path: string): string {
  return path.slice(MANIFEST_DIR.length + 1).replace(/\/?[^/]*$/, '')
}

/** The file's absolute location, unencoded as Hadoop paths print (what SymlinkTextInputFormat parses back). */
function absoluteUri(location: string, file: AddAction): string {
  const relative = decodeDataPath(file.path, location)
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return `${location.replace(/\/$/, '')}/${relative}`
  return `file:${location.replace(/\/$/, '')}/${relative}`
}
