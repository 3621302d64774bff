import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {wideFlag} from '../../flags/wide.js'
import type {Completions} from '../../completion/sources.js'
import {findTable, parseTableRef} from '../../lake/catalog/table-ref.js'
import {readableVersions} from '../../lake/delta/readable.js'
import {renderTable} from '../../output/table.js'

export interface TableVersion {
  version: number
  timestamp: string
  operation: string | null
  parameters: Record<string, unknown> | null
  /** False once vacuum deleted data files this version reads: --as-of cannot read it any more. */
  readable: boolean
}

export default class CatalogHistory extends LabmeshCommand<typeof CatalogHistory> {
  static override completions: Completions = {table: 'tables'}
  static override summary =
    "List a table's versions with their operation, parameters and time, and whether time travel can still read them."
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab.plate_reader',
    '<%= config.bin %> <%= command.id %> lab.files --wide',
  ]
  static override args = {
    table: Args.string({description: 'database.table (a bare name is in database lab).', required: true}),
  }
  static override flags = {...wideFlag}

  public async run(): Promise<{table: string; versions: TableVersion[]}> {
    const {entry, table} = await findTable(await this.backend(), parseTableRef(this.args.table))
    const readable = new Set(await readableVersions(table.storage))
    const versions = (await table.history()).map((record) => ({
      version: record.version,
      timestamp: new Date(record.timestamp).toISOString(),
      operation: record.commitInfo?.operation ?? null,
      parameters: (record.commitInfo?.operationParameters as Record<string, unknown> | undefined) ?? null,
      readable: readable.has(record.version),
    }))
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['version', 'time', 'operation', 'readable', 'parameters'],
          versions.map((v) => [
            v.version,
            v.timestamp,
            v.operation,
            v.readable ? 'yes' : 'no (vacuumed)',
            Object.entries(v.parameters ?? {})
              .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
              .join(' '),
          ]),
          this.layout,
        ),
      )
    }
    return {table: `${entry.database}.${entry.table}`, versions}
  }
}
