import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {findTable, parseTableRef} from '../../lake/catalog/table-ref.js'

export interface OptimizeSummary {
  table: string
  version: number | null
  filesRemoved: number
  filesAdded: number
}

export default class LakeOptimize extends LabmeshCommand<typeof LakeOptimize> {
  static override completions: Completions = {table: 'tables'}
  static override summary = "Compact a table's small data files into larger ones (rows unchanged)."
  static override examples = ['<%= config.bin %> <%= command.id %> lab.plate_reader_measurement']
  static override args = {
    table: Args.string({description: 'database.table (a bare name is in database lab).', required: true}),
  }
  static override flags = {
    'target-size': Flags.integer({description: 'Target file size in MiB (default: the table property, else 128).', min: 1}),
  }

  public async run(): Promise<OptimizeSummary> {
    const {entry, table} = await findTable(await this.backend(), parseTableRef(this.args.table))
    const target = this.flags['target-size']
    const result = await table.optimize(target ? {targetFileSize: target * 1024 * 1024} : {})
    const summary = {
      table: `${entry.database}.${entry.table}`,
      version: result.commit?.version ?? null,
      filesRemoved: result.filesRemoved,
      filesAdded: result.filesAdded,
    }
    if (!this.jsonEnabled()) {
      this.log(
        result.commit
          ? `Compacted ${result.filesRemoved} files into ${result.filesAdded} (version ${result.commit.version}).`
          : 'Nothing to compact.',
      )
    }
    return summary
  }
}
