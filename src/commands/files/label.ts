import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Label} from '../../backends/types.js'
import {LabmeshError} from '../../errors.js'
import {findFile} from '../../files/find.js'
import {parseKeyValues} from '../../ingest/key-value.js'
import {formatLabels} from '../../output/format.js'

export default class FilesLabel extends LabmeshCommand<typeof FilesLabel> {
  static override summary = 'Add (or remove) labels on a file; labels are kept across its later versions.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 3f2a9c1e site=boston assay=elisa',
    '<%= config.bin %> <%= command.id %> 3f2a9c1e --remove site=boston',
  ]
  static override args = {
    fileId: Args.string({description: 'File id (or a unique prefix of one, at least 4 characters).', required: true}),
    label: Args.string({description: 'Labels to add, name=value (one or more).', multiple: true}),
  }
  static override flags = {
    remove: Flags.string({char: 'r', description: 'Label name=value to remove (repeatable).', multiple: true}),
  }

  public async run(): Promise<{fileId: string; labels: Label[]}> {
    const add = parseKeyValues(this.args.label ?? [], 'label')
    const remove = parseKeyValues(this.flags.remove, 'label')
    if (add.length === 0 && remove.length === 0)
      throw new LabmeshError('USAGE', 'give labels to add (name=value) or --remove name=value', {
        suggestions: ['labmesh files label 3f2a9c1e site=boston'],
      })
    const backend = await this.backend()
    const file = await findFile(backend, this.args.fileId)
    const updated = await backend.metadata.updateLabels(file.fileId, add, remove)
    await this.syncReplicas()
    if (!this.jsonEnabled()) this.log(`Labels of ${updated.fileId}: ${formatLabels(updated.labels) || '(none)'}`)
    return {fileId: updated.fileId, labels: updated.labels}
  }
}
