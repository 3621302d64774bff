import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {SavedSearch} from '../../backends/types.js'
import {LabmeshError} from '../../errors.js'
import {savedSearchesOf} from '../../search/run-search.js'

export default class SearchDelete extends LabmeshCommand<typeof SearchDelete> {
  static override summary = 'Delete a saved search (recorded in the audit log).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> boston-elisa',
    '<%= config.bin %> <%= command.id %> boston-elisa --dry-run',
  ]
  static override args = {
    name: Args.string({description: 'Name of the saved search (see `labmesh search list`).', required: true}),
  }
  static override flags = {
    'dry-run': Flags.boolean({description: 'Show what would be deleted; delete nothing.'}),
  }

  public async run(): Promise<{dryRun: boolean; deleted: SavedSearch}> {
    const backend = await this.backend()
    const searches = savedSearchesOf(backend)
    const saved = await searches.get(this.args.name)
    if (!saved) {
      throw new LabmeshError('NOT_FOUND', `no saved search named "${this.args.name}"`, {
        subject: this.args.name,
        suggestions: ['see them with `labmesh search list`'],
      })
    }
    const dryRun = this.flags['dry-run']
    if (!dryRun) {
      await searches.delete(saved.name)
      await backend.audit.record('search delete', saved.name, {query: saved.query})
    }
    this.log(`${dryRun ? 'Would delete' : 'Deleted'} the saved search "${saved.name}": ${saved.query}`)
    return {dryRun, deleted: saved}
  }
}
