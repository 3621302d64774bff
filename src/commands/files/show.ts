import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {FileRecord} from '../../backends/types.js'
import {findFile} from '../../files/find.js'
import {renderFileDetail} from '../../files/render.js'

export default class FilesShow extends LabmeshCommand<typeof FilesShow> {
  static override summary = 'Show one file: its record, versions and lineage.'
  static override examples = ['<%= config.bin %> <%= command.id %> 3f2a9c1e-...', '<%= config.bin %> <%= command.id %> 3f2a9c1e --json']
  static override args = {
    fileId: Args.string({description: 'File id (or a unique prefix of one).', required: true}),
  }

  public async run(): Promise<{file: FileRecord; versions: FileRecord[]; derived: FileRecord[]}> {
    const backend = await this.backend()
    const file = await findFile(backend, this.args.fileId)
    const versions = await backend.metadata.versionsOf(file.fileId)
    const derived = await backend.metadata.derivedFrom(file.fileId)
    if (!this.jsonEnabled()) this.log(renderFileDetail(file, versions, derived))
    return {file, versions, derived}
  }
}
