import {LabmeshCommand} from '../../base-command.js'
import type {MonitoredPath} from '../../backends/types.js'
import {monitoredPathsOf} from '../../watch/monitored-paths.js'
import {renderPaths} from '../../watch/render.js'

export default class PathsList extends LabmeshCommand<typeof PathsList> {
  static override summary = 'List the monitored paths.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<{paths: MonitoredPath[]}> {
    const paths = await monitoredPathsOf(await this.backend()).list()
    if (!this.jsonEnabled()) this.log(renderPaths(paths))
    return {paths}
  }
}
