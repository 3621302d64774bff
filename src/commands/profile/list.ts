import {LabmeshCommand} from '../../base-command.js'
import {DEFAULT_PROFILE, listProfiles, readConfig} from '../../config/profiles.js'
import {wideFlag} from '../../flags/wide.js'
import {renderTable} from '../../output/table.js'

export interface ProfileSummary {
  name: string
  backend: string
  isDefault: boolean
  location: string
}

export default class ProfileList extends LabmeshCommand<typeof ProfileList> {
  static override summary = 'List the profiles.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {...wideFlag}

  public async run(): Promise<{profiles: ProfileSummary[]}> {
    const config = readConfig()
    const defaultName = config.defaultProfile ?? DEFAULT_PROFILE
    const profiles = Object.entries(listProfiles(config)).map(([name, s]) => ({
      name,
      backend: s.backend,
      isDefault: name === defaultName,
      location:
        s.backend === 'local' ? (s.home ?? '(default workspace)') : `s3://${s.bucket ?? '?'} (${s.region ?? 'region from AWS config'})`,
    }))
    if (!this.jsonEnabled())
      this.log(
        renderTable(
          ['profile', 'backend', 'default', 'location'],
          profiles.map((p) => [p.name, p.backend, p.isDefault ? '*' : '', p.location]),
          this.layout,
        ),
      )
    return {profiles}
  }
}
