import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../base-command.js'
import {openBackend} from '../backends/open.js'
import {choiceFlag} from '../flags/choice.js'
import {createProfile, type CreatedProfile} from '../profiles/create.js'
import {askProfileSettings} from '../profiles/prompt.js'

export default class Init extends LabmeshCommand<typeof Init> {
  static override summary = 'Create a profile and its workspace.'
  static override description = `Without flags on a terminal, asks for the settings. The local profile needs none: every command
works without init, creating the default workspace on first use.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --profile lab --backend local --home ~/labmesh-lab --default',
    '<%= config.bin %> <%= command.id %> --profile prod --backend aws --region eu-west-1 --bucket acme-lake --kms-key-id alias/lake',
  ]
  static override flags = {
    backend: choiceFlag(['local', 'aws'])({description: 'Backend of the profile.'}),
    home: Flags.string({description: 'Workspace folder (local backend).'}),
    region: Flags.string({description: 'AWS region (aws backend).'}),
    bucket: Flags.string({description: 'S3 bucket for raw, engineered and lake data (aws backend).'}),
    'kms-key-id': Flags.string({description: 'KMS key for SSE-KMS on every object (aws backend).'}),
    default: Flags.boolean({description: 'Make this the default profile.'}),
    force: Flags.boolean({description: 'Replace a profile of the same name.'}),
  }

  public async run(): Promise<CreatedProfile> {
    const asking = this.interactive && process.stdin.isTTY && !this.flags.backend
    const answers = asking ? await askProfileSettings(this.flags.profile) : undefined
    const created = createProfile({
      name: answers?.name ?? this.flags.profile ?? 'local',
      backend: answers?.backend ?? this.flags.backend ?? 'local',
      home: answers?.home ?? this.flags.home,
      region: answers?.region ?? this.flags.region,
      bucket: answers?.bucket ?? this.flags.bucket,
      kmsKeyId: answers?.kmsKeyId ?? this.flags['kms-key-id'],
      makeDefault: answers?.makeDefault ?? this.flags.default,
      force: this.flags.force,
    })
    if (created.profile.settings.backend === 'local') await (await openBackend(created.profile)).close()
    if (!this.jsonEnabled()) {
      this.log(`Profile "${created.profile.name}" (${created.profile.settings.backend}) saved in ${created.profile.configFile}.`)
      if (created.profile.home) this.log(`Workspace: ${created.profile.home}`)
      this.log('Next: `labmesh ingest <folder>`.')
    }
    return created
  }
}
