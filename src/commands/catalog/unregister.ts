import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {findTable, parseTableRef} from '../../lake/catalog/table-ref.js'
import {type TableUnregistered, unregisterTable} from '../../lake/catalog/unregister.js'
import {formatBytes} from '../../output/format.js'

export default class CatalogUnregister extends LabmeshCommand<typeof CatalogUnregister> {
  static override summary = 'Remove a table from the catalog; its Delta folder is kept unless --delete-data.'
  static override description = `Queries stop seeing the table at once. A table of database lab that convert writes comes back at the next convert (with its data, unless --delete-data removed it). Deleting the data of a table registered from elsewhere, or of a folder another name also points at, needs --force. Recorded in the audit log (labmesh audit list). On the aws backend the table leaves Glue, and this needs the admin policy.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> shared.assay_results',
    '<%= config.bin %> <%= command.id %> lab.plate_reader_calculated_data --delete-data --dry-run',
  ]
  static override args = {
    table: Args.string({description: 'database.table (a bare name is in database lab).', required: true}),
  }
  static override flags = {
    'delete-data': Flags.boolean({description: "Also delete the table's folder: data files and _delta_log."}),
    'dry-run': Flags.boolean({description: 'Show what would be removed; change nothing.'}),
    force: Flags.boolean({
      description: 'Allow --delete-data on a table registered from elsewhere or sharing its folder with another name.',
    }),
  }

  public async run(): Promise<TableUnregistered> {
    const backend = await this.backend()
    const {entry, table} = await findTable(backend, parseTableRef(this.args.table))
    const result = await unregisterTable(backend.catalog, backend.audit, entry, table, {
      deleteData: this.flags['delete-data'],
      dryRun: this.flags['dry-run'],
      force: this.flags.force,
    })
    const verb = result.dryRun ? 'Would remove' : 'Removed'
    this.log(`${verb} ${result.table} from the catalog.`)
    this.log(
      result.data
        ? `${result.dryRun ? 'Would delete' : 'Deleted'} its folder ${result.location} (${result.data.files} files, ${formatBytes(result.data.bytes)}).`
        : `Its folder stays: ${result.location}${result.managed ? '' : ' (register it again with `labmesh catalog register`)'}.`,
    )
    return result
  }
}
