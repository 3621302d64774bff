import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {monitoredPathsOf, notFound} from '../../watch/monitored-paths.js'

export default class PathsRemove extends LabmeshCommand<typeof PathsRemove> {
  static override summary = 'Stop monitoring a path (files already ingested stay stored).'
  static override examples = ['<%= config.bin %> <%= command.id %> envision']
  static override args = {
    name: Args.string({description: 'The monitored path.', required: true}),
  }

  public async run(): Promise<{removed: string}> {
    if (!(await monitoredPathsOf(await this.backend()).remove(this.args.name))) throw notFound(this.args.name)
    if (!this.jsonEnabled()) this.log(`No longer monitoring "${this.args.name}"; its files stay stored.`)
    return {removed: this.args.name}
  }
}
