import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {listConnections} from '../../config/connections.js'
import {convertStoredFiles, type ConvertResult} from '../../convert/convert-stored.js'
import {renderConvertResult} from '../../convert/render.js'
import {toLabmeshError} from '../../errors.js'
import {wideFlag} from '../../flags/wide.js'
import {refreshSnowflake} from '../../lake/connect/snowflake.js'
import {createSpinner} from '../../output/spinner.js'
import {notifyFlag} from '../../runs/flags.js'

export default class Convert extends LabmeshCommand<typeof Convert> {
  static override completions: Completions = {converter: 'converters', 'converter-module': 'files'}
  static override changesKnownValues = true
  static override summary = 'Convert ingested raw files into engineered documents.'
  static override description = `Converts every raw file not yet converted (or those named with --file-id, or all with --reconvert; with --retry-failed, those that failed before too).
Each engineered document is stored as an ENGINEERED file on the raw file's trace (same traceId, rawFileId set).
Rows go to the lab tables (each file's per table under --json, a summary line otherwise).
A file that fails is marked failed with the reason; the rest go on and the exit code is then non-zero.
Reconverting an older version of a file leaves the current version's document the current one.
Runs at the same time share the work: a file being converted is "converting", held by one run, and the others leave it alone. A run that dies gives its files back when the next run starts (at once on the same machine, else after 5 minutes).`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --file-id 3f2a9c1e --converter generic',
    '<%= config.bin %> <%= command.id %> --reconvert --converter-module ./my-converter.js',
    '<%= config.bin %> <%= command.id %> --retry-failed',
  ]
  static override flags = {
    'file-id': Flags.string({description: 'Convert only this raw file (repeatable).', multiple: true}),
    reconvert: Flags.boolean({description: 'Convert files that were converted already again.'}),
    'retry-failed': Flags.boolean({description: 'Convert the files that failed before too.', exclusive: ['file-id']}),
    converter: Flags.string({char: 'c', description: 'Use this converter instead of detecting one (see `labmesh convert list`).'}),
    'converter-module': Flags.string({description: 'Load converters from this JS module too (repeatable).', multiple: true}),
    concurrency: Flags.integer({description: 'Files converted at once.', default: 4, min: 1, max: 64}),
    ...notifyFlag,
    ...wideFlag,
  }

  public async run(): Promise<ConvertResult> {
    const registry = await this.converters(this.flags['converter-module'])
    if (this.flags.converter) registry.get(this.flags.converter)
    const backend = await this.backend()
    const run = await this.startRun('convert')
    const spinner = createSpinner(this.interactive, 'converting')
    let done = 0
    let result: ConvertResult
    try {
      result = await convertStoredFiles(backend, {
        registry,
        fileIds: this.flags['file-id'],
        reconvert: this.flags.reconvert,
        retryFailed: this.flags['retry-failed'],
        converter: this.flags.converter,
        concurrency: this.flags.concurrency,
        onFile: (outcome) => {
          spinner.update(`converting: ${++done} files`)
          if (outcome.kind === 'converted') run.converted(undefined, outcome.file.size)
          else {
            const {sourcePath, code, message} = outcome.problem
            run.failed(undefined, {path: sourcePath, stage: 'convert', code, message})
          }
        },
      })
    } finally {
      spinner.stop()
    }
    await this.syncReplicas()
    if (result.converted > 0) await this.refreshWarehouses()
    await this.deliverWebhooks()
    this.print(renderConvertResult(result, this.layout, {canQuery: Boolean(backend.query)}))
    if (result.failed.length > 0) this.failBatch()
    return result
  }

  /** Snowflake reads a Delta table as of its last refresh: refresh the profile's connections (Redshift reads the manifests, kept by each commit). */
  private async refreshWarehouses(): Promise<void> {
    for (const connection of listConnections(this.profile().name).filter((c) => c.kind === 'snowflake')) {
      try {
        await refreshSnowflake(await this.backend(), connection)
      } catch (error) {
        this.warn(
          `Snowflake ${connection.target} was not refreshed (\`labmesh catalog connect snowflake --refresh\` retries): ${toLabmeshError(error).message}`,
        )
      }
    }
  }
}
