import {LabmeshCommand} from '../../base-command.js'
import type {WatchPathStatus} from '../../backends/types.js'
import {monitoredPathsOf} from '../../watch/monitored-paths.js'
import {renderWatchStatus} from '../../watch/render.js'

export default class WatchStatus extends LabmeshCommand<typeof WatchStatus> {
  static override summary = 'Per monitored path: files seen, ingested, converted, failed and pending, and the last error.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<{paths: WatchPathStatus[]}> {
    const paths = await monitoredPathsOf(await this.backend()).status()
    if (!this.jsonEnabled()) this.log(renderWatchStatus(paths))
    return {paths}
  }
}
