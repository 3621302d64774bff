import {stat} from 'node:fs/promises'
import path from 'node:path'
import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {findFile} from '../../files/find.js'
import {type RestoredFile, restoreFile} from '../../files/restore.js'

export default class FilesGet extends LabmeshCommand<typeof FilesGet> {
  static override summary = "Restore a file's stored bytes, verified against its sha256."
  static override description = `--out-dir writes into a folder under the file's own name (an engineered document as <raw name>.<converter>.json, so it never collides with its raw file); --out names the file to write.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 3f2a9c1e --out-dir ./restored',
    '<%= config.bin %> <%= command.id %> 3f2a9c1e --out ./plate-S001.csv --force',
  ]
  static override args = {
    fileId: Args.string({description: 'File id (or a unique prefix of one, at least 4 characters).', required: true}),
  }
  static override flags = {
    'out-dir': Flags.string({
      char: 'd',
      description: 'Folder to write the file into, under its own name (created if missing).',
      exactlyOne: ['out', 'out-dir'],
    }),
    out: Flags.string({char: 'o', description: 'File to write.', exactlyOne: ['out', 'out-dir']}),
    force: Flags.boolean({description: 'Overwrite a file that is there already.'}),
  }

  public async run(): Promise<RestoredFile> {
    const target = await this.target()
    const backend = await this.backend()
    const record = await findFile(backend, this.args.fileId)
    const restored = await restoreFile(backend, record, target.dir, {overwrite: this.flags.force, name: target.name})
    if (!this.jsonEnabled()) this.log(`Restored ${restored.path} (${restored.size} bytes, sha256 verified).`)
    return restored
  }

  /** Where the file goes: a folder (its own name) or a file; --out naming a folder keeps working as --out-dir did. */
  private async target(): Promise<{dir: string; name?: string}> {
    const {out, 'out-dir': outDir} = this.flags
    if (out === undefined) return {dir: outDir!}
    const isFolder = await stat(out).then(
      (s) => s.isDirectory(),
      () => false,
    )
    if (!isFolder) return {dir: path.dirname(out), name: path.basename(out)}
    this.warn(`--out names the file to write; ${out} is a folder, so the file goes into it: say --out-dir for that`)
    return {dir: out}
  }
}
