import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {sampleRows, summarizeTable, type TableSummary} from '../../lake/catalog/describe.js'
import {findTable, parseTableRef} from '../../lake/catalog/table-ref.js'
import {wideFlag} from '../../flags/wide.js'
import {formatBytes} from '../../output/format.js'
import {renderRecord, renderTable} from '../../output/table.js'
import type {QueryValue} from '../../backends/types.js'

export default class CatalogDescribe extends LabmeshCommand<typeof CatalogDescribe> {
  static override completions: Completions = {table: 'tables'}
  static override summary = 'Describe a table: columns and types, partition columns, location, version; --sample shows rows.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab.plate_reader_measurement',
    '<%= config.bin %> <%= command.id %> lab.files --sample 5',
  ]
  static override args = {
    table: Args.string({description: 'database.table (a bare name is in database lab).', required: true}),
  }
  static override flags = {
    sample: Flags.integer({description: 'Show this many rows.', min: 1, max: 1000}),
    ...wideFlag,
  }

  public async run(): Promise<TableSummary & {sample?: Record<string, QueryValue>[]}> {
    const backend = await this.backend()
    const {entry, table} = await findTable(backend, parseTableRef(this.args.table))
    const summary = await summarizeTable(entry, table)
    const sample = this.flags.sample ? await sampleRows(backend, entry, table, this.flags.sample) : undefined
    if (!this.jsonEnabled()) {
      const layout = this.layout
      this.log(
        renderRecord(
          [
            ['table', `${summary.database}.${summary.table}`],
            ['location', summary.location],
            ['version', `${summary.version} (${summary.updatedAt})`],
            ['rows', summary.rows ?? 'unknown (files without statistics)'],
            ['files', `${summary.files} (${formatBytes(summary.bytes)})`],
            ['partitioned by', summary.partitionColumns.join(', ') || '(none)'],
            ...(summary.readerFeatures.length > 0 ? [['reader features', summary.readerFeatures.join(', ')] as [string, string]] : []),
          ],
          layout,
        ),
      )
      // Down a pipe each table is a TSV block of its own, after a blank line.
      const gap = layout.kind === 'tsv' ? '\n' : ''
      this.log(
        gap +
          renderTable(
            ['column', 'type', 'nullable'],
            summary.columns.map((c) => [c.name, c.type, c.nullable ? 'yes' : 'no']),
            layout,
          ),
      )
      if (sample && sample.length > 0) {
        const columns = Object.keys(sample[0])
        this.log(
          gap +
            renderTable(
              columns,
              sample.map((row) => columns.map((c) => (typeof row[c] === 'object' && row[c] !== null ? JSON.stringify(row[c]) : row[c]))),
              layout,
            ),
        )
      }
    }
    return {...summary, ...(sample ? {sample} : {})}
  }
}
