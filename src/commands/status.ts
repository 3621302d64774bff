import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../base-command.js'
import {RUN_RETENTION_DAYS} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {renderStatus} from '../runs/render.js'
import {runStatus, type StatusResult} from '../runs/status.js'

export default class Status extends LabmeshCommand<typeof Status> {
  static override summary = 'The last runs of the batch commands, their failures, and the counts per day.'
  static override description = `ingest, convert, catalog apply and watch (each window of its activity) keep every run in the backend's database: its counts of files ingested, converted and failed, bytes, duration, and its first failures (file, code, message). This shows the latest runs and failures and, per day (UTC), the counts of the last --days days; on a terminal each day also gets a bar of its files. Runs are kept ${RUN_RETENTION_DAYS} days.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --days 30 --limit 50',
    '<%= config.bin %> <%= command.id %> --profile prod --json',
  ]
  static override flags = {
    days: Flags.integer({description: 'Days shown, today (UTC) included.', default: 14, min: 1, max: RUN_RETENTION_DAYS}),
    limit: Flags.integer({description: 'Runs and failures listed, at most.', default: 10, min: 1, max: 1000}),
  }

  public async run(): Promise<StatusResult> {
    const backend = await this.backend()
    if (!backend.runs)
      throw new LabmeshError('UNSUPPORTED', `the ${backend.name} backend keeps no runs`, {
        suggestions: ['`labmesh watch status` shows the monitored paths'],
      })
    const status = await runStatus(backend.runs, this.profile().name, {days: this.flags.days, limit: this.flags.limit})
    if (!this.jsonEnabled()) this.log(renderStatus(status, {bars: Boolean(process.stdout.isTTY)}))
    return status
  }
}
