import {LabmeshCommand} from '../base-command.js'
import {type EnvironmentReport, environmentReport, environmentRows} from '../environment/report.js'
import {renderRecord} from '../output/table.js'

export default class Version extends LabmeshCommand<typeof Version> {
  static override summary = 'Show the labmesh version and what it runs on: Node.js, platform, profile, backend, DuckDB and SQLite.'
  static override description = 'What to paste into a bug report. `labmesh --version` prints the version alone.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<EnvironmentReport> {
    const report = await environmentReport(() => this.profile())
    if (report.profileError) this.warn(report.profileError)
    if (!this.jsonEnabled()) {
      this.log(renderRecord(environmentRows(report)))
    }
    return report
  }
}
