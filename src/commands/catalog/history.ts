import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {findTable, parseTableRef} from '../../lake/catalog/table-ref.js'
import {renderTable} from '../../output/table.js'

export interface TableVersion {
  version: number
  timestamp: string
  operation: string | null
  parameters: Record<string, unknown> | null
}

export default class CatalogHistory extends LabmeshCommand<typeof CatalogHistory> {
  static override completions: Completions = {table: 'tables'}
  static override summary = "List a table's versions with their operation and time (for time travel)."
  static override examples = ['<%= config.bin %> <%= command.id %> lab.plate_reader']
  static override args = {
    table: Args.string({description: 'database.table (a bare name is in database lab).', required: true}),
  }

  public async run(): Promise<{table: string; versions: TableVersion[]}> {
    const {entry, table} = await findTable(await this.backend(), parseTableRef(this.args.table))
    const versions = (await table.history()).map((record) => ({
      version: record.version,
      timestamp: new Date(record.timestamp).toISOString(),
      operation: record.commitInfo?.operation ?? null,
      parameters: (record.commitInfo?.operationParameters as Record<string, unknown> | undefined) ?? null,
    }))
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['version', 'time', 'operation', 'parameters'],
          versions.map((v) => [v.version, v.timestamp, v.operation, v.parameters ? JSON.stringify(v.parameters) : '']),
        ),
      )
    }
    return {table: `${entry.database}.${entry.table}`, versions}
  }
}
