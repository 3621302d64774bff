import type {Backend, StageError} from '../backends/types.js'
import type {ConverterRegistry} from '../converters/registry.js'
import {toLabmeshError} from '../errors.js'
import {type IngestedFile, ingestFiles} from '../ingest/ingest.js'
import {parsePathTemplate} from '../ingest/path-template.js'
import type {FoundFile} from '../ingest/walk.js'
import {isServiceFailure} from '../watch/retry.js'
import type {Spool, SpoolManifest} from './spool.js'

export interface DrainOptions {
  registry: ConverterRegistry
  /** Manifests read per round. */
  batch?: number
  /** Stops between rounds once aborted. */
  signal?: AbortSignal
  /** A spooled file went up (or was there already: `unchanged`), and left the spool. */
  onFile?(manifest: SpoolManifest, file: IngestedFile): void
  /** A spooled file failed for a reason of its own and was set aside in `rejected/`. */
  onRejected?(manifest: SpoolManifest, error: StageError): void
}

export interface DrainResult {
  uploaded: number
  /** Files already stored (a drain interrupted after their records were written). */
  unchanged: number
  rejected: number
  /** Files still in the spool. */
  left: number
  /** The service failure that stopped the drain, if one did: the files wait in the spool. */
  stoppedBy?: StageError
}

/**
 * Sends the spool's files up, oldest first, through the ingest pipeline with the metadata each
 * manifest recorded (source path and host, template, labels), reading the bytes from the spool.
 * Each copy is hashed again first: one whose bytes no longer match its manifest is set aside, never
 * sent under the wrong hash.
 * A manifest is removed only after its record is written; a drain cut short is run again and the
 * files already stored are found by their record (same source, size and time), so none is
 * ingested twice. A service failure stops the drain with the rest kept for the next one.
 */
export async function drainSpool(backend: Backend, spool: Spool, options: DrainOptions): Promise<DrainResult> {
  const result: DrainResult = {uploaded: 0, unchanged: 0, rejected: 0, left: spool.usage().files}
  const reject = async (manifest: SpoolManifest, error: StageError): Promise<void> => {
    await spool.reject(manifest, error)
    result.rejected++
    options.onRejected?.(manifest, error)
  }
  while (spool.usage().files > 0 && !options.signal?.aborted) {
    const next = sameSettings(await spool.next(options.batch ?? 256))
    const damage = await Promise.all(next.map((manifest) => spool.verify(manifest)))
    const group = next.filter((_, i) => !damage[i])
    for (const [i, damaged] of damage.entries()) if (damaged) await reject(next[i], {code: damaged.code, message: damaged.message})
    if (group.length === 0) continue
    const first = group[0]
    let ingested
    try {
      ingested = await ingestFiles(backend, {
        files: group.map((m) => asFoundFile(spool, m)),
        template: first.template ? parsePathTemplate(first.template) : undefined,
        labels: first.labels,
        metadata: first.metadata,
        sourceHost: first.sourceHost,
        registry: options.registry,
        concurrency: 16,
      })
    } catch (error) {
      const e = toLabmeshError(error)
      if (!isServiceFailure(e.code)) throw e
      result.stoppedBy = {code: e.code, message: e.message}
      break
    }
    const bySource = new Map(group.map((m) => [m.sourcePath, m]))
    await spool.doneMany(ingested.files.map((file) => bySource.get(file.sourcePath)!))
    for (const file of ingested.files) {
      if (file.status === 'unchanged') result.unchanged++
      else result.uploaded++
      options.onFile?.(bySource.get(file.sourcePath)!, file)
    }
    for (const problem of ingested.failed) {
      const error = {code: problem.code, message: problem.message}
      if (isServiceFailure(problem.code)) result.stoppedBy ??= error
      else await reject(bySource.get(problem.path)!, error)
    }
    if (result.stoppedBy) break
  }
  result.left = spool.usage().files
  return result
}

/**
 * The leading manifests that one ingest can take: the same settings (one template, labels and
 * metadata per call), and each source path once, so a file's versions go up one after another.
 */
function sameSettings(manifests: SpoolManifest[]): SpoolManifest[] {
  const key = (m: SpoolManifest): string => JSON.stringify([m.sourceHost, m.template, m.labels, m.metadata])
  const sources = new Set<string>()
  const group: SpoolManifest[] = []
  for (const manifest of manifests) {
    if (key(manifest) !== key(manifests[0]) || sources.has(manifest.sourcePath)) break
    sources.add(manifest.sourcePath)
    group.push(manifest)
  }
  return group
}

function asFoundFile(spool: Spool, manifest: SpoolManifest): FoundFile {
  return {
    kind: 'file',
    path: spool.objectPath(manifest.sha256),
    relativePath: manifest.relativePath,
    size: manifest.size,
    mtime: new Date(manifest.mtime),
    sourcePath: manifest.sourcePath,
  }
}
