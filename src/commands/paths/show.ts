import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {MonitoredPath, WatchPathStatus} from '../../backends/types.js'
import {monitoredPathsOf, notFound} from '../../watch/monitored-paths.js'
import {renderPath} from '../../watch/render.js'

export default class PathsShow extends LabmeshCommand<typeof PathsShow> {
  static override summary = 'Show a monitored path: its settings and what the watcher did there.'
  static override examples = ['<%= config.bin %> <%= command.id %> envision']
  static override args = {
    name: Args.string({description: 'The monitored path.', required: true}),
  }

  public async run(): Promise<MonitoredPath & {status: WatchPathStatus}> {
    const store = monitoredPathsOf(await this.backend())
    const found = await store.get(this.args.name)
    if (!found) throw notFound(this.args.name)
    const status = (await store.status()).find((s) => s.name === found.name)!
    if (!this.jsonEnabled()) this.log(renderPath(found, status))
    return {...found, status}
  }
}
