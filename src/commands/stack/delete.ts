import {confirm, input} from '@inquirer/prompts'
import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {sharedClientConfig} from '../../backends/aws/client-config.js'
import {LabmeshError} from '../../errors.js'
import {deleteLakeData, type DeletedData} from '../../stack/delete-data.js'
import {outputsOf, StackDeployer} from '../../stack/deploy.js'
import {OUTPUTS} from '../../stack/template.js'

export interface StackDeleteResult {
  stackName: string
  status: string
  /** With --delete-data: what was removed; else the bucket and key, kept. */
  data: DeletedData | {kept: {bucket?: string; kmsKey?: string}}
}

export default class StackDelete extends LabmeshCommand<typeof StackDelete> {
  static override summary = 'Delete the deployment; its bucket and key (your data) are kept unless --delete-data.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --stack-name lab',
    '<%= config.bin %> <%= command.id %> --stack-name lab --delete-data',
  ]
  static override flags = {
    'stack-name': Flags.string({description: 'CloudFormation stack name.', required: true}),
    'delete-data': Flags.boolean({
      description: 'Also delete every object version and the bucket, and schedule the key for deletion (asks twice).',
    }),
    yes: Flags.boolean({description: 'Delete without asking (needed without a terminal; with --delete-data it answers both questions).'}),
    region: Flags.string({description: "AWS region (else the SDK's)."}),
    'aws-profile': Flags.string({description: 'Shared-config profile for the credentials.'}),
  }

  public async run(): Promise<StackDeleteResult> {
    const {flags} = this
    const stackName = flags['stack-name']
    const config = await sharedClientConfig({region: flags.region, awsProfile: flags['aws-profile']})
    const deployer = await StackDeployer.create(config)
    try {
      const stack = await deployer.describe(stackName)
      if (!stack) throw new LabmeshError('NOT_FOUND', `no stack ${stackName}`)
      const outputs = outputsOf(stack)
      const bucket = outputs[OUTPUTS.bucket]
      await this.confirmDeletion(stackName, bucket)
      const status = await deployer.delete(stackName, {
        onEvent: (e) =>
          !this.jsonEnabled() &&
          this.logToStderr(`${e.LogicalResourceId} ${e.ResourceStatus}${e.ResourceStatusReason ? ` (${e.ResourceStatusReason})` : ''}`),
      })
      if (!flags['delete-data'] || !bucket) {
        if (!this.jsonEnabled())
          this.log(`Stack ${stackName} deleted. Kept: bucket ${bucket ?? '?'} and key ${outputs[OUTPUTS.kmsKey] ?? '?'}.`)
        return {stackName, status, data: {kept: {bucket, kmsKey: outputs[OUTPUTS.kmsKey]}}}
      }
      const [{S3Client}, {KMSClient}] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/client-kms')])
      const s3 = new S3Client(config)
      const kms = new KMSClient(config)
      try {
        const data = await deleteLakeData({s3, kms}, bucket, outputs[OUTPUTS.kmsKey])
        if (!this.jsonEnabled())
          this.log(
            `Stack ${stackName} deleted, with ${data.objectVersions} object versions and bucket ${bucket}; the key is deleted on ${data.keyDeletionDate ?? '?'} unless cancelled.`,
          )
        return {stackName, status, data}
      } finally {
        s3.destroy()
        kms.destroy()
      }
    } finally {
      deployer.destroy()
    }
  }

  private async confirmDeletion(stackName: string, bucket: string | undefined): Promise<void> {
    if (this.flags.yes) return
    if (!this.interactive) throw new LabmeshError('USAGE', 'stack delete asks first: pass --yes to delete without a terminal')
    if (!(await confirm({message: `Delete stack ${stackName}?`, default: false}))) throw new LabmeshError('USAGE', 'nothing deleted')
    if (!this.flags['delete-data']) return
    if (!(await confirm({message: `Also delete EVERY file in bucket ${bucket} and its key? This cannot be undone.`, default: false})))
      throw new LabmeshError('USAGE', 'nothing deleted')
    if ((await input({message: `Type the bucket name (${bucket}) to confirm:`})) !== bucket)
      throw new LabmeshError('USAGE', 'the name did not match: nothing deleted')
  }
}
