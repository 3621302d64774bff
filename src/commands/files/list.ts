import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {FileRecord} from '../../backends/types.js'
import {filePages} from '../../files/pages.js'
import {renderFileList} from '../../files/render.js'
import {parseKeyValues, toRecord} from '../../ingest/key-value.js'

export default class FilesList extends LabmeshCommand<typeof FilesList> {
  static override summary = 'List stored files, newest version of each source by default.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --label site=boston --metadata instrument=bmg-mars',
    '<%= config.bin %> <%= command.id %> --category ENGINEERED --since 2026-01-01 --json',
    '<%= config.bin %> <%= command.id %> --status failed --all --json',
  ]
  static override flags = {
    label: Flags.string({char: 'l', description: 'Only files with this label name=value (repeatable, all must match).', multiple: true}),
    metadata: Flags.string({
      char: 'm',
      description: 'Only files with this metadata key=value (repeatable, all must match).',
      multiple: true,
    }),
    category: Flags.string({description: 'Only files of this category.', options: ['RAW', 'ENGINEERED']}),
    status: Flags.string({description: 'Only files at this stage.', options: ['ingested', 'converted', 'failed']}),
    since: Flags.string({description: 'Only files ingested at or after this time (ISO 8601).'}),
    until: Flags.string({description: 'Only files ingested at or before this time (ISO 8601).'}),
    'all-versions': Flags.boolean({description: 'Include superseded versions.'}),
    limit: Flags.integer({description: 'At most this many files.', default: 1000, min: 1}),
    offset: Flags.integer({description: 'Skip this many files first.', default: 0, min: 0}),
    all: Flags.boolean({description: 'Every matching file, however many (--limit and --offset do not apply).'}),
  }

  public async run(): Promise<{files: FileRecord[]}> {
    const backend = await this.backend()
    const filter = {
      labels: parseKeyValues(this.flags.label, 'label'),
      metadata: toRecord(parseKeyValues(this.flags.metadata, 'metadata')),
      category: this.flags.category as FileRecord['category'] | undefined,
      status: this.flags.status as FileRecord['status'] | undefined,
      since: this.flags.since,
      until: this.flags.until,
      allVersions: this.flags['all-versions'],
    }
    const files: FileRecord[] = []
    if (this.flags.all) for await (const page of filePages(backend.metadata, filter)) files.push(...page)
    else files.push(...(await backend.metadata.listFiles({...filter, limit: this.flags.limit, offset: this.flags.offset})))
    if (!this.jsonEnabled()) this.log(renderFileList(files))
    return {files}
  }
}
