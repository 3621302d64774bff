import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {formatBytes} from '../../output/format.js'
import {SafeOutput} from '../../output/safe-output.js'
import {pullTable} from '../../package/pull.js'
import type {PackageSummary} from '../../package/write.js'
import {PACKAGE_FORMATS} from '../../package/formats.js'
import {choiceFlag} from '../../flags/choice.js'
import {engineFlags, queryEngineOf} from '../../query/engines.js'
import {withQueryHooks} from '../../query/interactive.js'
import {scanText} from '../../query/render.js'
import {parseAsOfOne, parseParams} from '../../query/options.js'
import {asPrincipal, asPrincipalFlag} from '../../sharing/as-principal.js'

export default class PackagePull extends LabmeshCommand<typeof PackagePull> {
  static override completions: Completions = {table: 'tables', 'out-dir': 'dirs'}
  static override summary = 'Pull a table, or part of it, into a Frictionless data package (CSV or Parquet with datapackage.json).'
  static override description =
    'The package records the SQL it ran, its parameters, the table version, the engine and the profile, with the size and sha256 of the data file (check them with `labmesh package verify`).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab.plate_reader_measurement --out-dir ./plates',
    `<%= config.bin %> <%= command.id %> lab.files --out-dir ./boston --columns file_id,source_path,labels --where "list_contains(labels, 'site=boston')"`,
    `<%= config.bin %> <%= command.id %> lab.plate_reader_measurement --out-dir ./high --where 'luminescence > $min' --param min=1000 --format parquet`,
    '<%= config.bin %> <%= command.id %> lab.files --out-dir ./files-v1 --as-of 1',
  ]
  static override args = {
    table: Args.string({description: 'database.table (a bare name is in database lab).', required: true}),
  }
  static override flags = {
    'out-dir': Flags.string({
      char: 'o',
      aliases: ['out'],
      deprecateAliases: true,
      required: true,
      description: 'The package folder: new or empty.',
    }),
    where: Flags.string({description: 'Only rows matching this SQL condition (values as $name with --param).'}),
    columns: Flags.string({description: 'Only these columns, comma-separated, in this order.'}),
    param: Flags.string({char: 'p', multiple: true, description: 'A value for $name in --where, as name=value.'}),
    'as-of': Flags.string({
      description: 'Read the table at a version or a time: 3, 2024-05-01T12:00:00Z, or as query takes it, database.table=3.',
    }),
    format: choiceFlag(PACKAGE_FORMATS)({default: 'csv', description: "The package's data file format."}),
    as: asPrincipalFlag,
    ...engineFlags,
  }

  public async run(): Promise<PackageSummary & {table: string}> {
    const columns = this.flags.columns
      ?.split(',')
      .map((c) => c.trim())
      .filter((c) => c !== '')
    const params = parseParams(this.flags.param ?? [])
    const asOf = this.flags['as-of'] === undefined ? undefined : parseAsOfOne(this.flags['as-of'], this.args.table)
    const backend = await this.backend()
    const principal = asPrincipal(this.flags.as, backend)
    const engine = queryEngineOf(backend, this.flags.engine)
    const safeOutput = await SafeOutput.forBackend(backend)
    const origin = {backend: backend.name, profile: this.profile().name, generator: `labmesh ${this.config.version}`}
    const summary = await withQueryHooks(this.interactive, (hooks) =>
      pullTable(backend, engine, {
        table: this.args.table,
        dir: this.flags['out-dir'],
        format: this.flags.format,
        columns,
        where: this.flags.where,
        params,
        asOf,
        principal,
        origin,
        safeOutput,
        signal: hooks.signal,
        onProgress: hooks.onProgress,
        maxScanBytes: this.flags['max-scan'],
      }),
    )
    const resource = summary.resources[0]
    this.log(
      `Pulled ${summary.rows.toLocaleString('en-US')} rows of ${summary.table} into ${summary.dir}: datapackage.json and ${resource.path} (${formatBytes(resource.bytes)}).`,
    )
    if (summary.statistics) this.log(scanText(summary.statistics))
    return summary
  }
}
