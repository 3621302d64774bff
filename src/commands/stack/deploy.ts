import {confirm} from '@inquirer/prompts'
import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {sharedClientConfig} from '../../backends/aws/client-config.js'
import {LabmeshError} from '../../errors.js'
import {renderTable} from '../../output/table.js'
import {createProfile} from '../../profiles/create.js'
import {type DeployOutcome, type PlannedChange, StackDeployer} from '../../stack/deploy.js'
import {stackOptions, templateFlags} from '../../stack/options.js'
import {OUTPUTS, synthesizeTemplate} from '../../stack/template.js'

export type StackDeployResult = DeployOutcome & {stackName: string; profile?: string}

export default class StackDeploy extends LabmeshCommand<typeof StackDeploy> {
  static override summary = 'Deploy (or update) the AWS deployment, then write an aws profile from its outputs.'
  static override description = `Creates a CloudFormation change set from the template \`labmesh stack template\` prints, shows what it adds, modifies and replaces, asks to go on (on a terminal; --yes otherwise), executes it while the stack's events stream by, and writes the aws profile (named after the stack unless --profile-name). The bucket and the key are kept when the stack is deleted.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --stack-name lab --with-postgres',
    '<%= config.bin %> <%= command.id %> --stack-name lab --metadata-url postgres://labmesh@db.internal:5432/labmesh --yes',
  ]
  static override flags = {
    ...templateFlags,
    yes: Flags.boolean({description: 'Deploy without asking (needed without a terminal).'}),
    region: Flags.string({description: "AWS region (else the SDK's: AWS_REGION, the shared config)."}),
    'aws-profile': Flags.string({description: 'Shared-config profile for the credentials.'}),
    'profile-name': Flags.string({description: 'Name of the labmesh profile to write (default the stack name).'}),
    'metadata-url': Flags.string({
      description: 'PostgreSQL for the profile when the stack has none (postgres://user@host/db, no password).',
    }),
  }

  public async run(): Promise<StackDeployResult> {
    const {flags} = this
    const stackName = flags['stack-name']
    const template = await synthesizeTemplate(stackOptions(flags))
    const deployer = await StackDeployer.create(await sharedClientConfig({region: flags.region, awsProfile: flags['aws-profile']}))
    try {
      const outcome = await deployer.deploy({
        stackName,
        template,
        confirm: (changes) => this.confirmChanges(stackName, changes),
        onEvent: (event) => {
          if (!this.jsonEnabled())
            this.logToStderr(
              `${event.Timestamp?.toISOString().slice(11, 19)} ${event.LogicalResourceId} ${event.ResourceStatus}${event.ResourceStatusReason ? ` (${event.ResourceStatusReason})` : ''}`,
            )
        },
      })
      if (outcome.status === 'unchanged' && !this.jsonEnabled()) this.log(`Stack ${stackName} is up to date.`)
      if (outcome.status === 'cancelled' && !this.jsonEnabled()) this.log('Nothing deployed.')
      if (outcome.status !== 'deployed') return {...outcome, stackName}
      const profile = this.writeProfile(flags['profile-name'] ?? stackName, outcome.outputs)
      if (!this.jsonEnabled())
        this.log(
          `Stack ${stackName}: ${outcome.stackStatus}.${profile ? ` Profile "${profile}" written: try \`labmesh doctor --profile ${profile}\`.` : ''}`,
        )
      return {...outcome, stackName, profile}
    } finally {
      deployer.destroy()
    }
  }

  private async confirmChanges(stackName: string, changes: PlannedChange[]): Promise<boolean> {
    if (!this.jsonEnabled()) {
      const flag = (c: PlannedChange) =>
        c.replacement === 'True' ? 'REPLACED (new resource, data not kept)' : c.replacement === 'Conditional' ? 'may be replaced' : ''
      this.log(
        renderTable(
          ['action', 'resource', 'type', 'replacement'],
          changes.map((c) => [c.action, c.logicalId, c.type, flag(c)]),
        ),
      )
    }
    const replaced = changes.filter((c) => c.replacement === 'True').length
    if (replaced > 0) this.warn(`${replaced} resources of ${stackName} would be replaced`)
    if (this.flags.yes) return true
    if (!this.interactive)
      throw new LabmeshError('USAGE', 'stack deploy asks before it changes anything: pass --yes to deploy without a terminal', {
        suggestions: ['`labmesh stack template` prints what would be deployed'],
      })
    return confirm({message: `Deploy these ${changes.length} changes to ${stackName}?`, default: false})
  }

  private writeProfile(name: string, outputs: Record<string, string>): string | undefined {
    const metadataSecret = outputs[OUTPUTS.metadataSecret]
    if (!metadataSecret && !this.flags['metadata-url']) {
      this.warn(
        'no profile written: the stack has no PostgreSQL (--with-postgres); pass --metadata-url, or run `labmesh init --backend aws` with the outputs',
      )
      return undefined
    }
    createProfile({
      name,
      backend: 'aws',
      region: outputs[OUTPUTS.region],
      bucket: outputs[OUTPUTS.bucket],
      kmsKeyId: outputs[OUTPUTS.kmsKey],
      glueDatabasePrefix: outputs[OUTPUTS.gluePrefix],
      athenaWorkgroup: outputs[OUTPUTS.workgroup],
      athenaOutput: outputs[OUTPUTS.athenaOutput],
      notifyTopicArn: outputs[OUTPUTS.topic],
      openSearchEndpoint: outputs[OUTPUTS.openSearch],
      // The stack's alarms watch the metrics of Profile = the stack's name, whatever the profile is called.
      metricsProfile: this.flags['stack-name'],
      ...(metadataSecret ? {metadataSecret} : {metadataUrl: this.flags['metadata-url']}),
      force: true,
    })
    return name
  }
}
