import {text} from 'node:stream/consumers'
import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {LabmeshError} from '../../errors.js'
import {choiceFlag} from '../../flags/choice.js'
import {wideFlag} from '../../flags/wide.js'
import {readInputFile} from '../../files/contained.js'
import {SafeOutput} from '../../output/safe-output.js'
import {OUTPUT_FORMATS, resolveOutput} from '../../query/formats.js'
import {engineFlags, queryEngineOf} from '../../query/engines.js'
import {withQueryHooks} from '../../query/interactive.js'
import {parseAsOf, parseParams} from '../../query/options.js'
import {renderOutcome, scanText} from '../../query/render.js'
import {type QueryOutcome, runQuery, TABLE_ROWS} from '../../query/run.js'
import {asPrincipal, asPrincipalFlag} from '../../sharing/as-principal.js'

/** SQL is text people write: a --file larger than this is not SQL. */
const MAX_SQL_BYTES = 16 * 1024 * 1024

export default class Query extends LabmeshCommand<typeof Query> {
  static override completions: Completions = {file: 'files', out: 'files', package: 'dirs'}
  static override summary = 'Run read-only SQL over the lake: a table on screen, or CSV, TSV, JSON, Parquet and data packages.'
  static override description = `Every catalog table is a view named database.table (a bare name is in database lab), at its latest version unless --as-of names another. Only queries run (SELECT, WITH, VALUES, DESCRIBE, SHOW, EXPLAIN), and they read the lake's tables and nothing else. Values given with --param are bound to $name, never pasted into the SQL: quote the SQL with single quotes so the shell leaves $name alone. Ctrl-C cancels; a cancelled query leaves no partial file. --out and --package write outside the workspace and the tables' folders only, a new file unless --force replaces a regular one.

A terminal shows the first ${TABLE_ROWS} rows as a table (--limit for more or fewer); a pipe gets every row as CSV (or --format), and --json a document with every row, both streamed in bounded memory. --limit given cuts a pipe and --json too, and the result then says so ("truncated": true, "complete": false).
SQL that starts with a -- comment would read as a flag: put it after --, flags before: labmesh query --json -- $'-- report\\nSELECT 1'`
  static override examples = [
    `<%= config.bin %> <%= command.id %> 'SELECT instrument, count(*) AS n FROM lab.plate_reader_measurement JOIN lab.files USING (file_id) GROUP BY ALL'`,
    `<%= config.bin %> <%= command.id %> 'SELECT * FROM lab.plate_reader_measurement WHERE luminescence > $min' --param min=1000 --out high.parquet`,
    '<%= config.bin %> <%= command.id %> --file report.sql --as-of lab.plate_reader=1 --package ./report --format parquet',
    `<%= config.bin %> <%= command.id %> 'SELECT * FROM lab.files' --json > files.json`,
    `<%= config.bin %> <%= command.id %> 'SELECT count(*) FROM lab.plate_reader_measurement' --max-scan 10GB`,
    '<%= config.bin %> <%= command.id %> --file report.sql --engine duckdb --as-of lab.plate_reader=1',
  ]
  static override args = {
    sql: Args.string({description: 'The SQL; or give --file, or pipe it on stdin.'}),
  }
  static override flags = {
    file: Flags.string({char: 'f', description: 'Read the SQL from this file.'}),
    param: Flags.string({char: 'p', multiple: true, description: 'A value for $name in the SQL, as name=value.'}),
    'as-of': Flags.string({
      multiple: true,
      description: 'Read a table at a version or time: database.table=3, database.table=2024-05-01T12:00:00Z (repeatable).',
    }),
    format: choiceFlag(OUTPUT_FORMATS)({
      aliases: ['package-format'],
      deprecateAliases: true,
      description:
        'Output format (default: table on a terminal, csv down a pipe; with --out, from the extension; with --package, csv or parquet).',
    }),
    out: Flags.string({
      char: 'o',
      description: 'Write the whole result to this new file (never inside the workspace or a table folder).',
    }),
    force: Flags.boolean({description: 'Replace the file at --out if there is one (a regular file only).', dependsOn: ['out']}),
    limit: Flags.integer({min: 1, description: `Rows to show or stream at most (default on a terminal: ${TABLE_ROWS}; elsewhere: all).`}),
    package: Flags.string({description: 'Write the result as a Frictionless data package into this new or empty folder.'}),
    as: asPrincipalFlag,
    ...engineFlags,
    ...wideFlag,
  }

  private resultStreamed = false

  public async run(): Promise<QueryOutcome & {sql: string}> {
    const sql = await this.sql()
    const output = resolveOutput({
      format: this.flags.format,
      out: this.flags.out,
      package: this.flags.package,
      limit: this.flags.limit,
      json: this.jsonEnabled(),
      terminal: Boolean(process.stdout.isTTY),
    })
    const params = parseParams(this.flags.param ?? [])
    const asOf = parseAsOf(this.flags['as-of'] ?? [])
    const backend = await this.backend()
    const principal = asPrincipal(this.flags.as, backend)
    const engine = queryEngineOf(backend, this.flags.engine)
    const profile = this.profile()
    // No spinner over rows streaming to the same terminal.
    const outcome = await withQueryHooks(this.interactive && output.kind !== 'stdout', (hooks) =>
      runQuery(engine, {
        request: {sql, params, asOf, principal, signal: hooks.signal, onProgress: hooks.onProgress, maxScanBytes: this.flags['max-scan']},
        output,
        limit: this.flags.limit,
        stdout: process.stdout,
        origin: {backend: backend.name, profile: profile.name, generator: `labmesh ${this.config.version}`},
        safeOutput: () => SafeOutput.forBackend(backend, {force: this.flags.force}),
        onRows: hooks.onRows,
        document: {head: {sql}, tail: (streamed) => this.documentTail(streamed)},
      }),
    )
    this.resultStreamed = output.kind === 'json'
    if (output.kind === 'stdout' && outcome.truncated)
      this.note(`The first ${outcome.rowCount} rows; the result has more: raise --limit, or leave it out for every row.`)
    // --format table asked for a table down a pipe too: drawn whole, as there is no width to fit.
    const layout = this.flags.format === 'table' && this.layout.kind === 'tsv' ? {kind: 'box' as const, colour: false} : this.layout
    const rendered = this.jsonEnabled() ? undefined : renderOutcome(outcome, layout)
    if (rendered !== undefined) this.log(rendered)
    // Rows went to stdout: what the scan cost goes to stderr, out of their way.
    else if (outcome.statistics && !this.jsonEnabled()) this.logToStderr(scanText(outcome.statistics))
    return {sql, ...outcome}
  }

  /** The --json document was written as its rows streamed: oclif must not print the result again (errors still print). */
  protected override logJson(json: unknown): void {
    if (!this.resultStreamed) super.logJson(json)
  }

  /** The fields ending a streamed --json document: a warning when --limit cut the result, and every warning so far. */
  private documentTail(outcome: QueryOutcome): Record<string, unknown> {
    if (outcome.truncated)
      this.warn(`the result has more than the ${outcome.rowCount} rows --limit allowed: leave out --limit for every row`)
    const tail = this.toSuccessJson({}) as {warnings?: unknown}
    return tail.warnings === undefined ? {} : {warnings: tail.warnings}
  }

  /** The SQL from the argument, --file, or stdin, exactly one of them. */
  private async sql(): Promise<string> {
    if (this.args.sql !== undefined && this.flags.file !== undefined)
      throw new LabmeshError('USAGE', 'give the SQL as an argument or with --file, not both')
    if (this.args.sql !== undefined) return this.args.sql
    if (this.flags.file !== undefined) return (await readInputFile(this.flags.file, MAX_SQL_BYTES)).toString('utf8')
    if (process.stdin.isTTY)
      throw new LabmeshError('USAGE', 'no SQL given', {
        suggestions: ["labmesh query 'SELECT ...'", 'labmesh query --file query.sql', 'labmesh query < query.sql'],
      })
    return text(process.stdin)
  }
}
