import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {FileRecord} from '../../backends/types.js'
import {findFile} from '../../files/find.js'
import {renderFileDetail} from '../../files/render.js'
import {type TableRows, traceRows} from '../../files/trace-rows.js'
import {wideFlag} from '../../flags/wide.js'

export default class FilesShow extends LabmeshCommand<typeof FilesShow> {
  static override summary = 'Show one file: its record, versions, lineage, and the table rows of its trace.'
  static override examples = ['<%= config.bin %> <%= command.id %> 3f2a9c1e', '<%= config.bin %> <%= command.id %> 3f2a9c1e --json']
  static override args = {
    fileId: Args.string({description: 'File id (or a unique prefix of one, at least 4 characters).', required: true}),
  }
  static override flags = {...wideFlag}

  public async run(): Promise<{file: FileRecord; versions: FileRecord[]; derived: FileRecord[]; tables: TableRows[]}> {
    const backend = await this.backend()
    const file = await findFile(backend, this.args.fileId)
    const versions = await backend.metadata.versionsOf(file.fileId)
    const derived = await backend.metadata.derivedFrom(file.fileId)
    // Table rows carry the raw file's id, also for an engineered document's trace.
    const tables = await traceRows(backend, [file.rawFileId ?? file.fileId])
    if (!this.jsonEnabled()) this.log(renderFileDetail({file, versions, derived, tables}, this.layout))
    return {file, versions, derived, tables}
  }
}
