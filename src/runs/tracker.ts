import {randomUUID} from 'node:crypto'
import path from 'node:path'

import type {RunCommand, RunFailure, RunRecord, StageError} from '../backends/types.js'
import {redactSecrets} from './redact.js'

/** Failures kept with a run (all are counted): a run that fails a million files stays small. */
export const FAILURES_KEPT = 100

/** What happened under one path (a folder ingested from, a monitored path), for per-path metrics. */
export interface PathCounts {
  ingested: number
  converted: number
  failed: number
  bytesIngested: number
  bytesConverted: number
}

/** A run ended, with its counts per path (not kept in the database; published as metrics). */
export interface FinishedRun {
  run: RunRecord
  paths: Map<string, PathCounts>
}

/** Counts one run of a batch command as it goes: files ingested, converted and failed, bytes, per path. */
export class RunTracker {
  readonly runId = randomUUID()
  private readonly started = Date.now()
  private readonly counts = {ingested: 0, unchanged: 0, converted: 0, failed: 0, applied: 0, bytesIngested: 0, bytesConverted: 0}
  private readonly failures: RunFailure[] = []
  private readonly paths = new Map<string, PathCounts>()

  constructor(
    readonly command: RunCommand,
    readonly profile: string,
  ) {}

  ingested(path: string | undefined, bytes: number): void {
    this.counts.ingested++
    this.counts.bytesIngested += bytes
    this.add(path, {ingested: 1, bytesIngested: bytes})
  }

  unchanged(): void {
    this.counts.unchanged++
  }

  converted(path: string | undefined, bytes: number): void {
    this.counts.converted++
    this.counts.bytesConverted += bytes
    this.add(path, {converted: 1, bytesConverted: bytes})
  }

  applied(count: number): void {
    this.counts.applied += count
  }

  failed(path: string | undefined, failure: RunFailure): void {
    this.counts.failed++
    if (this.failures.length < FAILURES_KEPT) this.failures.push({...failure, message: redactSecrets(failure.message)})
    this.add(path, {failed: 1})
  }

  /** True when nothing was counted (a watch window without activity is not kept). */
  get idle(): boolean {
    return Object.values(this.counts).every((n) => n === 0)
  }

  /** The run as it is kept, shown and notified: its messages with any secret masked (redact.ts). */
  finish(error?: StageError): FinishedRun {
    const ended = Date.now()
    return {
      run: {
        runId: this.runId,
        command: this.command,
        profile: this.profile,
        startedAt: new Date(this.started).toISOString(),
        endedAt: new Date(ended).toISOString(),
        durationMs: ended - this.started,
        status: error ? 'error' : this.counts.failed > 0 ? 'failed' : 'ok',
        ...this.counts,
        error: error ? {...error, message: redactSecrets(error.message)} : null,
        failures: [...this.failures],
      },
      paths: new Map(this.paths),
    }
  }

  private add(path: string | undefined, delta: Partial<PathCounts>): void {
    if (path === undefined) return
    const counts = this.paths.get(path) ?? {ingested: 0, converted: 0, failed: 0, bytesIngested: 0, bytesConverted: 0}
    for (const [key, value] of Object.entries(delta) as [keyof PathCounts, number][]) counts[key] += value
    this.paths.set(path, counts)
  }
}

/**
 * The folder a file counts under for per-path metrics: the folder given on the command line that
 * holds it, else its own folder (files named one by one do not make a metric each).
 */
export function folderOf(roots: string[], file: string): string {
  return roots.find((root) => file.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) ?? path.dirname(file)
}
