import path from 'node:path'
import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {type IngestResult, ingestFiles} from '../../ingest/ingest.js'
import {parseKeyValues, toRecord} from '../../ingest/key-value.js'
import {parsePathTemplate} from '../../ingest/path-template.js'
import {countFiles} from '../../ingest/count.js'
import {renderIngestResult} from '../../ingest/render.js'
import {createProgress} from '../../output/progress.js'
import {wideFlag} from '../../flags/wide.js'
import {notifyFlag} from '../../runs/flags.js'
import {folderOf} from '../../runs/tracker.js'

export default class Ingest extends LabmeshCommand<typeof Ingest> {
  static override completions: Completions = {path: 'files'}
  static override summary = 'Store raw instrument files and their metadata in the workspace.'
  static override description = `Takes files and folders (recursively). Each file is hashed and stored once by content; its metadata comes from
the path template, --metadata, its modification time and, when a converter recognises the content, the instrument
and technique (a template or --metadata value of the same name is kept as given, with a warning).
Re-ingesting unchanged files stores nothing; new bytes at the same path become a new version that keeps its labels.
A file that cannot be stored is reported with the reason and the rest go on; the exit code is then non-zero.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> ./exports',
    "<%= config.bin %> <%= command.id %> ./drop --template '{project}/{device}/{sample}_{date:YYYY-MM-DD}.csv' --label site=boston",
    "<%= config.bin %> <%= command.id %> ./exports --include '*.csv' --exclude 'tmp/**' --dry-run",
  ]
  static override args = {
    path: Args.string({description: 'Files or folders to ingest (one or more).', required: true, multiple: true}),
  }
  static override flags = {
    template: Flags.string({
      char: 't',
      description:
        'Path template naming metadata in the path relative to each folder given, e.g. {project}/{sample}_{date:YYYY-MM-DD}.csv.',
    }),
    label: Flags.string({char: 'l', description: 'Label name=value for every file (repeatable).', multiple: true}),
    metadata: Flags.string({char: 'm', description: 'Metadata key=value for every file (repeatable).', multiple: true}),
    include: Flags.string({
      description:
        'Only files matching this glob (repeatable): without a slash it matches file names at any depth (*.csv), with one the path under the folder given (runs/**/*.csv).',
      multiple: true,
    }),
    exclude: Flags.string({description: 'Skip files matching this glob (repeatable; read as --include is).', multiple: true}),
    'dry-run': Flags.boolean({description: 'Show what would be stored and the metadata extracted; store nothing.'}),
    ...wideFlag,
    concurrency: Flags.integer({description: 'Files handled at once.', default: 64, min: 1, max: 256}),
    checksum: Flags.boolean({description: 'Re-read files whose size and modification time are unchanged, instead of trusting them.'}),
    ...notifyFlag,
  }

  public async run(): Promise<IngestResult> {
    const template = this.flags.template ? parsePathTemplate(this.flags.template) : undefined
    const labels = parseKeyValues(this.flags.label, 'label')
    const metadata = toRecord(parseKeyValues(this.flags.metadata, 'metadata'))
    const paths = this.args.path
    const backend = await this.backend()
    const registry = await this.converters()
    const filters = {include: this.flags.include, exclude: this.flags.exclude}

    const run = this.flags['dry-run'] ? undefined : await this.startRun('ingest')
    const roots = paths.map((p) => path.resolve(p))
    const progress = createProgress(this.interactive, 'ingest')
    if (this.interactive) {
      const total = await countFiles(paths, filters)
      progress.setTotal(total.files, total.bytes)
    }
    let result: IngestResult
    try {
      result = await ingestFiles(backend, {
        paths,
        template,
        labels,
        metadata,
        ...filters,
        dryRun: this.flags['dry-run'],
        concurrency: this.flags.concurrency,
        checksum: this.flags.checksum,
        registry,
        collectFiles: this.jsonEnabled() || this.flags['dry-run'] || this.interactive,
        onFile: (outcome, bytes) => {
          progress.advance(1, bytes)
          if (outcome.kind === 'failed') {
            const {path: file, code, message} = outcome.problem
            run?.failed(folderOf(roots, file), {path: file, stage: 'ingest', code, message})
          } else if (outcome.file.status === 'unchanged') run?.unchanged()
          else run?.ingested(folderOf(roots, outcome.file.sourcePath), outcome.file.size)
        },
        onBytes: (bytes) => progress.advance(0, bytes),
      })
    } finally {
      progress.stop()
    }
    if (!this.flags['dry-run']) {
      await this.syncReplicas()
      await this.deliverWebhooks()
    }
    this.print(renderIngestResult(result, this.layout))
    if (result.failed.length > 0) this.failBatch()
    return result
  }
}
