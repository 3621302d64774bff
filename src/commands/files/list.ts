import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {CATEGORIES, type FileRecord, STAGE_STATUSES} from '../../backends/types.js'
import {filePages} from '../../files/pages.js'
import {renderFileList} from '../../files/render.js'
import {choiceFlag} from '../../flags/choice.js'
import {sinceFlag, untilFlag} from '../../flags/time.js'
import {wideFlag} from '../../flags/wide.js'
import {parseKeyValues, toRecord} from '../../ingest/key-value.js'

export default class FilesList extends LabmeshCommand<typeof FilesList> {
  static override summary = 'List stored files, newest version of each source by default.'
  static override description = `A table on a terminal, tab-separated rows with a header down a pipe. Times are ISO 8601 dates or times (UTC unless a zone is given) or durations back from now: --since 7d, --until 2026-11-30 (that whole day).`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --label site=boston --metadata instrument=bmg-mars',
    '<%= config.bin %> <%= command.id %> --category engineered --since 2026-01-01 --json',
    '<%= config.bin %> <%= command.id %> --since 24h --status failed',
    '<%= config.bin %> <%= command.id %> --status failed --all --json',
  ]
  static override flags = {
    label: Flags.string({char: 'l', description: 'Only files with this label name=value (repeatable, all must match).', multiple: true}),
    metadata: Flags.string({
      char: 'm',
      description: 'Only files with this metadata key=value (repeatable, all must match).',
      multiple: true,
    }),
    category: choiceFlag(CATEGORIES)({description: 'Only files of this category.'}),
    status: choiceFlag(STAGE_STATUSES)({description: 'Only files at this stage.'}),
    since: sinceFlag({description: 'Only files ingested at or after this time: 2026-11-30, 2026-11-30T14:00Z, or 7d ago.'}),
    until: untilFlag({description: 'Only files ingested up to the end of this time (2026-11-30 includes that day).'}),
    'all-versions': Flags.boolean({description: 'Include superseded versions.'}),
    limit: Flags.integer({description: 'At most this many files (in every output: terminal, pipe and --json).', default: 1000, min: 1}),
    offset: Flags.integer({description: 'Skip this many files first.', default: 0, min: 0}),
    all: Flags.boolean({description: 'Every matching file, however many (--limit and --offset do not apply).'}),
    ...wideFlag,
  }

  public async run(): Promise<{files: FileRecord[]; truncated: boolean}> {
    const backend = await this.backend()
    const {limit, offset} = this.flags
    const filter = {
      labels: parseKeyValues(this.flags.label, 'label'),
      metadata: toRecord(parseKeyValues(this.flags.metadata, 'metadata')),
      category: this.flags.category,
      status: this.flags.status,
      since: this.flags.since?.toISOString(),
      before: this.flags.until?.toISOString(),
      allVersions: this.flags['all-versions'],
    }
    const files: FileRecord[] = []
    let truncated = false
    if (this.flags.all) {
      for await (const page of filePages(backend.metadata, filter)) files.push(...page)
    } else {
      // One more than asked, to know whether the limit cut the list.
      const found = await backend.metadata.listFiles({...filter, limit: limit + 1, offset})
      files.push(...found.slice(0, limit))
      truncated = found.length > limit
    }
    this.printListing(files.length, () => renderFileList(files, this.layout), 'No files match.')
    if (truncated) {
      const message = `The first ${limit} files are shown; more match: --offset ${offset + limit} shows the next ones, --limit more at once, --all every one.`
      if (this.jsonEnabled()) this.warn(message)
      else this.note(message)
    }
    return {files, truncated}
  }
}
