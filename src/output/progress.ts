import cliProgress from 'cli-progress'

import {formatBytes} from './format.js'
import {canAnimate} from './terminal.js'

export interface Progress {
  setTotal(files: number, bytes: number): void
  advance(files: number, bytes: number): void
  stop(): void
}

const SILENT: Progress = {setTotal() {}, advance() {}, stop() {}}

/** A files-and-bytes progress bar on stderr, only when a person is watching on a terminal that can redraw it. */
export function createProgress(enabled: boolean, label: string): Progress {
  if (!enabled || !canAnimate(process.stderr)) return SILENT
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} {bar} {percentage}% | {value}/{total} files | {doneBytes}/{totalBytes} | {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  )
  let totalBytes = 0
  let doneBytes = 0
  let started = false
  return {
    setTotal(files, bytes) {
      totalBytes = bytes
      if (!started) bar.start(files, 0, {doneBytes: formatBytes(0), totalBytes: formatBytes(bytes)})
      else bar.setTotal(files)
      started = true
    },
    advance(files, bytes) {
      doneBytes += bytes
      if (started) bar.increment(files, {doneBytes: formatBytes(doneBytes), totalBytes: formatBytes(totalBytes)})
    },
    stop() {
      if (started) bar.stop()
    },
  }
}
