import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {listConnections} from '../../config/connections.js'
import {convertStoredFiles, type ConvertResult} from '../../convert/convert-stored.js'
import {renderConvertResult} from '../../convert/render.js'
import {toLabmeshError} from '../../errors.js'
import {wideFlag} from '../../flags/wide.js'
import {refreshSnowflake} from '../../lake/connect/snowflake.js'
import {createSpinner} from '../../output/spinner.js'

export default class Convert extends LabmeshCommand<typeof Convert> {
  static override summary = 'Convert ingested raw files into engineered documents.'
  static override description = `Converts every raw file not yet converted (or those named with --file-id, or all with --reconvert).
Each engineered document is stored as an ENGINEERED file on the raw file's trace (same traceId, rawFileId set).
Rows go to the lab tables (each file's per table under --json, a summary line otherwise).
A file that fails is marked failed with the reason; the rest go on and the exit code is then non-zero.
Reconverting an older version of a file leaves the current version's document the current one.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --file-id 3f2a9c1e --converter generic',
    '<%= config.bin %> <%= command.id %> --reconvert --converter-module ./my-converter.js',
  ]
  static override flags = {
    'file-id': Flags.string({description: 'Convert only this raw file (repeatable).', multiple: true}),
    reconvert: Flags.boolean({description: 'Convert files that were converted already again.'}),
    converter: Flags.string({char: 'c', description: 'Use this converter instead of detecting one (see `labmesh convert list`).'}),
    'converter-module': Flags.string({description: 'Load converters from this JS module too (repeatable).', multiple: true}),
    concurrency: Flags.integer({description: 'Files converted at once.', default: 4, min: 1, max: 64}),
    ...wideFlag,
  }

  public async run(): Promise<ConvertResult> {
    const registry = await this.converters(this.flags['converter-module'])
    if (this.flags.converter) registry.get(this.flags.converter)
    const backend = await this.backend()
    const spinner = createSpinner(this.interactive, 'converting')
    let done = 0
    let result: ConvertResult
    try {
      result = await convertStoredFiles(backend, {
        registry,
        fileIds: this.flags['file-id'],
        reconvert: this.flags.reconvert,
        converter: this.flags.converter,
        concurrency: this.flags.concurrency,
        onFile: () => spinner.update(`converting: ${++done} files`),
      })
    } finally {
      spinner.stop()
    }
    await this.syncFilesTable()
    if (result.converted > 0) await this.refreshWarehouses()
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
