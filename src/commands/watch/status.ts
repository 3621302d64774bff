import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {wideFlag} from '../../flags/wide.js'
import type {WatchPathStatus} from '../../backends/types.js'
import {defaultSpoolDir} from '../../spool/location.js'
import {Spool, type SpoolUsage} from '../../spool/spool.js'
import {monitoredPathsOf} from '../../watch/monitored-paths.js'
import {NO_PATHS, renderSpool, renderWatchStatus} from '../../watch/render.js'

export interface WatchStatusResult {
  paths: WatchPathStatus[]
  /** The local spool of an aws profile: files waiting for the service, and those set aside. */
  spool?: SpoolUsage & {dir: string}
}

export default class WatchStatus extends LabmeshCommand<typeof WatchStatus> {
  static override summary = 'Per monitored path: files seen, ingested, converted, failed and pending, the last error, and the spool.'
  static override description =
    'A table on a terminal; down a pipe, tab-separated rows with a header (the spool as a second block of field and value).'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {
    spool: Flags.directory({description: 'The spool folder `watch` was given (default: spool/<profile> beside the local workspaces).'}),
    ...wideFlag,
  }

  public async run(): Promise<WatchStatusResult> {
    const backend = await this.backend()
    const paths = await monitoredPathsOf(backend).status()
    const dir = this.flags.spool ?? (backend.name === 'aws' ? defaultSpoolDir(this.profile().name) : undefined)
    const spool = dir ? {dir, ...(await Spool.inspect(dir))} : undefined
    const {layout} = this
    // Down a pipe the paths' header comes even when there are none, so a script always reads the same columns.
    const table = paths.length > 0 || layout.kind === 'tsv' ? [renderWatchStatus(paths, layout)] : []
    this.print({
      body: [...table, ...(spool ? [renderSpool(spool, layout)] : [])],
      notes: paths.length === 0 ? [NO_PATHS] : [],
    })
    return {paths, ...(spool ? {spool} : {})}
  }
}
