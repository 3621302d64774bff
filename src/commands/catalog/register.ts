import path from 'node:path'
import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {summarizeTable, type TableSummary} from '../../lake/catalog/describe.js'
import {parseTableRef} from '../../lake/catalog/table-ref.js'
import {DeltaTable} from '../../lake/delta/table.js'

export default class CatalogRegister extends LabmeshCommand<typeof CatalogRegister> {
  static override summary = 'Add an existing Delta table written elsewhere (Spark, delta-rs, ...) to the catalog.'
  static override examples = ['<%= config.bin %> <%= command.id %> shared.assay_results /data/delta/assay_results']
  static override args = {
    table: Args.string({description: 'database.table to register it as.', required: true}),
    location: Args.string({description: 'Folder of the Delta table (holding _delta_log).', required: true}),
  }
  static override flags = {
    force: Flags.boolean({
      aliases: ['replace'],
      deprecateAliases: true,
      description: 'Point an already registered name at this location.',
    }),
  }

  public async run(): Promise<TableSummary> {
    const ref = parseTableRef(this.args.table)
    const {catalog} = await this.backend()
    const location = path.resolve(this.args.location)
    const table = new DeltaTable(catalog.storage(location))
    // Reading the log first: a folder that is not a readable Delta table is refused before it is registered.
    await table.snapshot()
    const entry = await catalog.register({...ref, location, managed: false}, {replace: this.flags.force})
    const summary = await summarizeTable(entry, table)
    if (!this.jsonEnabled())
      this.log(`Registered ${ref.database}.${ref.table} (version ${summary.version}, ${summary.columns.length} columns) at ${location}.`)
    return summary
  }
}
