import {stat} from 'node:fs/promises'
import path from 'node:path'
import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {findFile} from '../../files/find.js'
import {type RestoredFile, restoreFile} from '../../files/restore.js'
import {SafeOutput} from '../../output/safe-output.js'

export default class FilesGet extends LabmeshCommand<typeof FilesGet> {
  static override completions: Completions = {out: 'files', 'out-dir': 'dirs'}
  static override summary = "Restore a file's stored bytes, verified against its sha256."
  static override description = `--out-dir writes into a folder under the file's own name (an engineered document as <raw name>.<converter>.json, so it never collides with its raw file); --out names the file to write. Nothing is written into the workspace or a table's folder.`
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
    force: Flags.boolean({description: 'Replace a file of the same name there (a regular file only).'}),
  }

  public async run(): Promise<RestoredFile> {
    const target = await this.target()
    const backend = await this.backend()
    const record = await findFile(backend, this.args.fileId)
    const output = await SafeOutput.forBackend(backend, {force: this.flags.force})
    const restored = await restoreFile(backend, record, output, await output.folder(target.dir), target.name)
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
