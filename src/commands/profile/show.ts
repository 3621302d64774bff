import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {resolveProfile, type ResolvedProfile} from '../../config/profiles.js'
import {renderRecord} from '../../output/table.js'

export default class ProfileShow extends LabmeshCommand<typeof ProfileShow> {
  static override completions: Completions = {name: 'profiles'}
  static override summary = 'Show a profile as commands resolve it (default: the active one).'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> prod --json']
  static override args = {
    name: Args.string({description: 'Profile name (default: the active profile).'}),
  }

  public async run(): Promise<ResolvedProfile> {
    const profile = this.args.name ? resolveProfile(this.args.name) : this.profile()
    if (!this.jsonEnabled()) {
      this.log(
        renderRecord(
          [
            ['profile', profile.name],
            ['chosen by', profile.source],
            ['backend', profile.settings.backend],
            ...(profile.home ? [['workspace', profile.home] as [string, string]] : []),
            ...Object.entries(profile.settings)
              .filter(([k]) => k !== 'backend')
              .map(([k, v]): [string, string] => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
            ['config file', profile.configFile],
          ],
          this.layout,
        ),
      )
    }
    return profile
  }
}
