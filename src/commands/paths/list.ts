import {LabmeshCommand} from '../../base-command.js'
import type {MonitoredPath} from '../../backends/types.js'
import {wideFlag} from '../../flags/wide.js'
import {monitoredPathsOf} from '../../watch/monitored-paths.js'
import {NO_PATHS, renderPaths} from '../../watch/render.js'

export default class PathsList extends LabmeshCommand<typeof PathsList> {
  static override summary = 'List the monitored paths.'
  static override description = 'A table on a terminal, tab-separated rows with a header down a pipe.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {...wideFlag}

  public async run(): Promise<{paths: MonitoredPath[]}> {
    const paths = await monitoredPathsOf(await this.backend()).list()
    if (!this.jsonEnabled()) this.printListing(paths.length, () => renderPaths(paths, this.layout), NO_PATHS)
    return {paths}
  }
}
