import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {choiceFlag} from '../../flags/choice.js'
import {durationFlag} from '../../flags/duration.js'
import {sizeFlag} from '../../flags/size.js'
import {createSpinner} from '../../output/spinner.js'
import {notifyFlag} from '../../runs/flags.js'
import {WatchRuns} from '../../runs/watch-runs.js'
import {defaultSpoolDir} from '../../spool/location.js'
import {Spool} from '../../spool/spool.js'
import type {WatchEvent} from '../../watch/events.js'
import {LocalWatchCopy} from '../../watch/local-copy.js'
import {monitoredPathsOf} from '../../watch/monitored-paths.js'
import {formatEvent} from '../../watch/render.js'
import {watchMonitoredPaths} from '../../watch/session.js'
import type {WatchSummary} from '../../watch/watch.js'

export default class Watch extends LabmeshCommand<typeof Watch> {
  static override summary = 'Ingest new and changed files of the monitored paths as they arrive, until stopped.'
  static override description = `Watches every monitored path of this machine (see \`labmesh paths add\`), with OS change events and a
periodic walk of each folder as a safety net. A file is ingested once it is stable (size and modification time unchanged for
the path's stable interval, and, on Linux, no process holding it open for writing), then converted and archived if the path
says so. Each file's state is kept in the backend's database: after a restart, files that arrived meanwhile are picked up and
none is ingested twice. A file that fails is tried again with a growing delay, then reported failed. On an aws profile, a
stable file that cannot go up (S3 or PostgreSQL unreachable, credentials expired) is kept in a local spool, bytes and
metadata, and goes up in order once the service is back, even if its source was moved or deleted meanwhile. Beside the spool it
keeps a copy of the monitored paths and of each file's state (watch-config.json): started while PostgreSQL cannot be reached,
it watches the paths of that copy and spools, and reads them again from PostgreSQL once it is back. SIGINT or SIGTERM
finishes the files in hand and stops. Log lines go to stdout (stderr under --json): text on a terminal, else JSON.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --path envision --path qpcr --log-format json',
    '<%= config.bin %> <%= command.id %> --poll --rescan-interval 30s',
  ]
  static override flags = {
    path: Flags.string({description: 'Watch only this monitored path (repeatable; default: every path of this machine).', multiple: true}),
    'log-format': choiceFlag(['text', 'json'])({
      description: 'Log lines as text or JSON (default: text on a terminal, JSON otherwise).',
    }),
    'rescan-interval': durationFlag({description: 'Walk each whole folder this often, for missed events.', default: 60_000}),
    'retry-delay': durationFlag({description: 'Wait after a file first fails; doubles with each failure.', default: 10_000}),
    attempts: Flags.integer({description: 'Failures of a file before it is reported failed and left alone.', default: 5, min: 1}),
    poll: Flags.boolean({description: 'Poll folders instead of OS events (network shares that send no events).'}),
    'report-interval': durationFlag({
      description: 'Keep (for `labmesh status`), publish metrics of, and with --notify notify the failures of, each window of this length.',
      default: 60_000,
    }),
    ...notifyFlag,
    spool: Flags.directory({description: 'The spool folder of an aws profile (default: spool/<profile> beside the local workspaces).'}),
    'spool-max': sizeFlag({description: 'The most the spool holds; further files wait at their source.', default: 20_000_000_000}),
  }

  public async run(): Promise<WatchSummary> {
    const backend = await this.backend()
    const store = monitoredPathsOf(backend)
    const registry = await this.converters()
    const controller = new AbortController()
    // Another process took the spool over (this one seemed dead): the watch stops, the files in hand done.
    let spoolLost: Error | undefined
    const onLost = (error: Error): void => {
      spoolLost = error
      controller.abort()
    }
    // Only a remote backend can be out of reach: a local workspace takes the files straight away.
    const spool =
      backend.name === 'aws'
        ? await Spool.open(this.flags.spool ?? defaultSpoolDir(this.profile().name), {maxBytes: this.flags['spool-max'], onLost})
        : undefined
    if (!spool && this.flags.spool) this.warn('--spool is ignored: a local workspace takes files at once')
    const format = this.flags['log-format'] ?? (process.stdout.isTTY ? 'text' : 'json')
    const out = this.jsonEnabled() ? process.stderr : process.stdout
    const spinner = createSpinner(this.interactive, 'watching')
    const counts = {paths: 0, ingested: 0, failed: 0}
    const runs = new WatchRuns(this.profile().name, (finished) => this.reportRun(finished))
    const reporter = setInterval(
      () => void runs.flush().catch((error: unknown) => this.warn(`a watch window was not reported: ${String(error)}`)),
      this.flags['report-interval'],
    )
    const onEvent = (event: WatchEvent): void => {
      runs.onEvent(event)
      if (event.event === 'watch.started') counts.paths = event.files ?? 0
      if (event.event === 'file.ingested') counts.ingested++
      if (event.event === 'file.failed') counts.failed++
      if (this.interactive && (event.event === 'file.seen' || event.event === 'path.scanned')) return
      spinner.stop()
      out.write(formatEvent(event, format) + '\n')
      spinner.update(`watching ${counts.paths} path(s): ${counts.ingested} ingested, ${counts.failed} failed`)
    }

    const stop = (): void => {
      if (controller.signal.aborted) process.exit(130)
      controller.abort()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    try {
      const summary = await watchMonitoredPaths(backend, {
        names: this.flags.path,
        store,
        copy: spool ? await LocalWatchCopy.open(spool.dir) : undefined,
        registry,
        signal: controller.signal,
        rescanMs: this.flags['rescan-interval'],
        retryBaseMs: this.flags['retry-delay'],
        maxAttempts: this.flags.attempts,
        usePolling: this.flags.poll,
        spool,
        onEvent,
      })
      if (spoolLost) throw spoolLost
      return summary
    } finally {
      clearInterval(reporter)
      await spool?.close()
      await runs.flush()
      spinner.stop()
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
  }
}
