import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {findFile} from '../../files/find.js'
import {type RestoredFile, restoreFile} from '../../files/restore.js'
import {SafeOutput} from '../../output/safe-output.js'

export default class FilesGet extends LabmeshCommand<typeof FilesGet> {
  static override completions: Completions = {out: 'dirs'}
  static override summary = "Restore a file's stored bytes into a folder, verified against its sha256."
  static override examples = ['<%= config.bin %> <%= command.id %> 3f2a9c1e --out ./restored']
  static override args = {
    fileId: Args.string({description: 'File id (or a unique prefix of one).', required: true}),
  }
  static override flags = {
    out: Flags.string({char: 'o', description: 'Folder to write the file into (created if missing).', required: true}),
    force: Flags.boolean({description: 'Replace a file of the same name there (a regular file only).'}),
  }

  public async run(): Promise<RestoredFile> {
    const backend = await this.backend()
    const record = await findFile(backend, this.args.fileId)
    const output = await SafeOutput.forBackend(backend, {force: this.flags.force})
    const restored = await restoreFile(backend, record, output, await output.folder(this.flags.out))
    if (!this.jsonEnabled()) this.log(`Restored ${restored.path} (${restored.size} bytes, sha256 verified).`)
    return restored
  }
}
