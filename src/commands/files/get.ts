import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {findFile} from '../../files/find.js'
import {type RestoredFile, restoreFile} from '../../files/restore.js'

export default class FilesGet extends LabmeshCommand<typeof FilesGet> {
  static override completions: Completions = {out: 'dirs'}
  static override summary = "Restore a file's stored bytes into a folder, verified against its sha256."
  static override examples = ['<%= config.bin %> <%= command.id %> 3f2a9c1e --out ./restored']
  static override args = {
    fileId: Args.string({description: 'File id (or a unique prefix of one).', required: true}),
  }
  static override flags = {
    out: Flags.string({char: 'o', description: 'Folder to write the file into (created if missing).', required: true}),
    force: Flags.boolean({description: 'Overwrite a file of the same name there.'}),
  }

  public async run(): Promise<RestoredFile> {
    const backend = await this.backend()
    const record = await findFile(backend, this.args.fileId)
    const restored = await restoreFile(backend, record, this.flags.out, {overwrite: this.flags.force})
    if (!this.jsonEnabled()) this.log(`Restored ${restored.path} (${restored.size} bytes, sha256 verified).`)
    return restored
  }
}
