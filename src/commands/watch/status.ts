import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {WatchPathStatus} from '../../backends/types.js'
import {defaultSpoolDir} from '../../spool/location.js'
import {Spool, type SpoolUsage} from '../../spool/spool.js'
import {monitoredPathsOf} from '../../watch/monitored-paths.js'
import {renderSpool, renderWatchStatus} from '../../watch/render.js'

export interface WatchStatusResult {
  paths: WatchPathStatus[]
  /** The local spool of an aws profile: files waiting for the service, and those set aside. */
  spool?: SpoolUsage & {dir: string}
}

export default class WatchStatus extends LabmeshCommand<typeof WatchStatus> {
  static override summary = 'Per monitored path: files seen, ingested, converted, failed and pending, the last error, and the spool.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {
    spool: Flags.directory({description: 'The spool folder `watch` was given (default: spool/<profile> beside the local workspaces).'}),
  }

  public async run(): Promise<WatchStatusResult> {
    const backend = await this.backend()
    const paths = await monitoredPathsOf(backend).status()
    const dir = this.flags.spool ?? (backend.name === 'aws' ? defaultSpoolDir(this.profile().name) : undefined)
    const spool = dir ? {dir, ...(await Spool.inspect(dir))} : undefined
    if (!this.jsonEnabled()) this.log([renderWatchStatus(paths), ...(spool ? [renderSpool(spool)] : [])].join('\n\n'))
    return {paths, ...(spool ? {spool} : {})}
  }
}
