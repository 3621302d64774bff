import {withConnection} from '../duckdb.js'
import type {AddAction} from './actions.js'
import {writeDataFiles} from './data-files.js'
import {scanSql} from './scan.js'
import {loadSnapshot} from './snapshot.js'
import type {LakeStorage} from './storage.js'
import {type CommitResult, Transaction} from './transaction.js'

export interface OptimizeOptions {
  /** Files at least this big are left alone, and compacted files aim at it; default `delta.targetFileSize` or 128 MiB. */
  targetFileSize?: number
  rowGroupSize?: number
  maxAttempts?: number
}

export interface OptimizeResult {
  /** The commit, or undefined when there was nothing to compact. */
  commit?: CommitResult
  filesRemoved: number
  filesAdded: number
  partitionsOptimized: number
}

export const DEFAULT_TARGET_FILE_SIZE = 128 * 1024 * 1024

/**
 * Compacts the small files of each partition into files of about the target size. The rows do
 * not change, so the commit's actions carry dataChange=false and streaming readers skip them.
 */
export async function optimize(storage: LakeStorage, options: OptimizeOptions = {}): Promise<OptimizeResult> {
  const snapshot = await loadSnapshot(storage)
  const transaction = new Transaction(storage, snapshot)
  const target = options.targetFileSize ?? (Number(snapshot.configuration['delta.targetFileSize']) || DEFAULT_TARGET_FILE_SIZE)
  const partitions = new Map<string, AddAction[]>()
  for (const file of snapshot.files) {
    if (file.size >= target) continue
    const key = JSON.stringify(snapshot.partitionColumns.map((c) => file.partitionValues[c] ?? null))
    partitions.set(key, [...(partitions.get(key) ?? []), file])
  }
  const bins = [...partitions.values()].flatMap((files) => binPack(files, target)).filter((bin) => bin.length > 1)
  if (bins.length === 0) return {filesRemoved: 0, filesAdded: 0, partitionsOptimized: 0}

  let filesAdded = 0
  await withConnection(async (connection) => {
    for (const bin of bins) {
      const adds = await writeDataFiles(connection, {
        storage,
        schema: snapshot.schema,
        partitionColumns: snapshot.partitionColumns,
        configuration: snapshot.configuration,
        source: await scanSql(storage, snapshot, {files: bin}),
        dataChange: false,
        rowGroupSize: options.rowGroupSize,
      })
      transaction.removeFiles(bin, false)
      transaction.addFiles(adds)
      filesAdded += adds.length
    }
  })
  const commit = await transaction.commit({
    operation: 'OPTIMIZE',
    operationParameters: {targetFileSize: target},
    maxAttempts: options.maxAttempts,
  })
  const filesRemoved = bins.reduce((sum, bin) => sum + bin.length, 0)
  const partitionsOptimized = new Set(bins.map((bin) => JSON.stringify(bin[0].partitionValues))).size
  return {commit, filesRemoved, filesAdded, partitionsOptimized}
}

/** Groups files, smallest first, into bins whose sizes add up to at most `target`. */
function binPack(files: AddAction[], target: number): AddAction[][] {
  const bins: AddAction[][] = []
  let bin: AddAction[] = []
  let size = 0
  for (const file of [...files].sort((a, b) => a.size - b.size)) {
    if (bin.length > 0 && size + file.size > target) {
      bins.push(bin)
      bin = []
      size = 0
    }
    bin.push(file)
    size += file.size
  }
  if (bin.length > 0) bins.push(bin)
  return bins
}
