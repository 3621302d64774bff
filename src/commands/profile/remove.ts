import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {type RemovedProfile, removeProfile} from '../../profiles/remove.js'

export default class ProfileRemove extends LabmeshCommand<typeof ProfileRemove> {
  static override summary = 'Remove a profile from the config file; its workspace and data stay.'
  static override description = `The removal is recorded in audit.jsonl beside the config file. When the default profile goes, the built-in local profile is the default again.`
  static override examples = ['<%= config.bin %> <%= command.id %> staging', '<%= config.bin %> <%= command.id %> staging --dry-run']
  static override args = {
    name: Args.string({description: 'Profile name (see `labmesh profile list`).', required: true}),
  }
  static override flags = {
    'dry-run': Flags.boolean({description: 'Show what would be removed; change nothing.'}),
  }

  public async run(): Promise<RemovedProfile> {
    const removed = removeProfile(this.args.name, {dryRun: this.flags['dry-run']})
    this.log(`${removed.dryRun ? 'Would remove' : 'Removed'} profile "${removed.name}" (${removed.backend}).`)
    if (removed.wasDefault)
      this.log(`It was the default profile; ${removed.dryRun ? 'the default would be' : 'the default is now'} the built-in local profile.`)
    if (removed.workspace) this.log(`Its workspace stays at ${removed.workspace}; delete that folder when its data is no longer needed.`)
    return removed
  }
}
