import path from 'node:path'
import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {summarizeTable, type TableSummary} from '../../lake/catalog/describe.js'
import {checkRegistrable} from '../../lake/catalog/register.js'
import {parseTableRef} from '../../lake/catalog/table-ref.js'
import {schemaOf} from '../../lake/catalog/table-schema.js'
import {DeltaTable} from '../../lake/delta/table.js'

export default class CatalogRegister extends LabmeshCommand<typeof CatalogRegister> {
  static override completions: Completions = {location: 'dirs'}
  static override changesKnownValues = true
  static override summary = 'Add an existing Delta table written elsewhere (Spark, delta-rs, ...) to the catalog.'
  static override description = `The location is a folder on the local backend and an s3:// URL on the aws backend, where the table is
also registered in Glue (table_type=DELTA, its columns and partition keys) so that Athena reads it.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> shared.assay_results /data/delta/assay_results',
    '<%= config.bin %> <%= command.id %> shared.assay_results s3://acme-lake/partners/assay_results --profile prod',
  ]
  static override args = {
    table: Args.string({description: 'database.table to register it as.', required: true}),
    location: Args.string({description: 'Folder or s3:// URL of the Delta table (holding _delta_log).', required: true}),
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
    const backend = await this.backend()
    const given = this.args.location
    const table = new DeltaTable(backend.lakeStorage(/^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : path.resolve(given)))
    // Checked first: a location that is not a readable Delta table whose files are its own is refused before it is registered.
    const {snapshot, warnings} = await checkRegistrable(table)
    for (const warning of warnings) this.warn(warning)
    const location = table.storage.location
    const entry = await backend.catalog.register({...ref, location, managed: false}, schemaOf(snapshot), {replace: this.flags.force})
    const summary = await summarizeTable(entry, table)
    if (!this.jsonEnabled())
      this.log(`Registered ${ref.database}.${ref.table} (version ${summary.version}, ${summary.columns.length} columns) at ${location}.`)
    return summary
  }
}
