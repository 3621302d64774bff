import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {summarizeTable, type TableSummary} from '../../lake/catalog/describe.js'
import {DeltaTable} from '../../lake/delta/table.js'
import {wideFlag} from '../../flags/wide.js'
import {listedSize} from '../../output/format.js'
import {renderTable} from '../../output/table.js'

export default class CatalogList extends LabmeshCommand<typeof CatalogList> {
  static override summary = 'List the tables in the catalog: version, rows, size and location.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --database lab --json']
  static override flags = {
    database: Flags.string({char: 'd', description: 'Only tables of this database.'}),
    ...wideFlag,
  }

  public async run(): Promise<{tables: TableSummary[]}> {
    const backend = await this.backend()
    const tables: TableSummary[] = []
    for (const entry of await backend.catalog.list(this.flags.database)) {
      tables.push(await summarizeTable(entry, new DeltaTable(backend.lakeStorage(entry.location))))
    }
    this.printListing(
      tables.length,
      () =>
        renderTable(
          ['table', 'version', 'rows', 'files', 'size', 'columns', 'location'],
          tables.map((t) => [
            `${t.database}.${t.table}`,
            t.version,
            t.rows ?? '?',
            t.files,
            listedSize(t.bytes, this.layout),
            t.columns.length,
            t.managed ? '(managed)' : t.location,
          ]),
          this.layout,
        ),
      'The catalog is empty: `labmesh convert` fills database lab, `labmesh catalog register` adds tables written elsewhere.',
    )
    return {tables}
  }
}
