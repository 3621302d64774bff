import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {findTable, parseTableRef} from '../../lake/catalog/table-ref.js'
import type {VacuumResult} from '../../lake/delta/vacuum.js'
import {durationFlag} from '../../flags/duration.js'
import {wideFlag} from '../../flags/wide.js'
import {formatBytes} from '../../output/format.js'
import {renderListed} from '../../output/listed.js'

export default class LakeVacuum extends LabmeshCommand<typeof LakeVacuum> {
  static override completions: Completions = {table: 'tables'}
  static override summary = 'Delete data files a table no longer references (and files of writers that crashed) once past the retention.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab.plate_reader --dry-run',
    '<%= config.bin %> <%= command.id %> lab.plate_reader --retention 168h',
  ]
  static override args = {
    table: Args.string({description: 'database.table (a bare name is in database lab).', required: true}),
  }
  static override flags = {
    retention: durationFlag({
      bareUnit: 'h',
      description: 'Keep files unreferenced for less than this (e.g. 168h, 7d); default the table property, else 7 days.',
    }),
    'dry-run': Flags.boolean({description: 'List what would be deleted; delete nothing.'}),
    force: Flags.boolean({description: 'Allow a retention shorter than the table property (time travel to older versions may then fail).'}),
    ...wideFlag,
  }

  public async run(): Promise<VacuumResult & {table: string}> {
    const {entry, table} = await findTable(await this.backend(), parseTableRef(this.args.table))
    const result = await table.vacuum({
      retentionHours: this.flags.retention === undefined ? undefined : this.flags.retention / 3_600_000,
      dryRun: this.flags['dry-run'],
      allowShortRetention: this.flags.force,
    })
    const verb = result.dryRun ? 'Would delete' : 'Deleted'
    const files = renderListed({head: ['file'], rows: result.files.map((f) => [f]), noun: 'files'}, this.layout)
    this.print({
      body: [files.body].filter((b) => b !== ''),
      notes: [
        ...files.notes,
        `${verb} ${result.files.length} files (${formatBytes(result.bytes)}) unreferenced for more than ${result.retentionHours} h.`,
      ],
    })
    return {table: `${entry.database}.${entry.table}`, ...result}
  }
}
