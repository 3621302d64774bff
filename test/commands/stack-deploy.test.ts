import {readFileSync} from 'node:fs'
import {stripVTControlCharacters} from 'node:util'
import {expect} from 'chai'
import stringWidth from 'string-width'

import {TestWorkspace} from '../support/cli.js'
import {CloudFormationEndpoint} from '../support/aws/cloudformation-endpoint.js'
import {runOnTerminal} from '../support/pty.js'

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:labmesh-lab'

/**
 * `labmesh stack deploy` through the built CLI in a subprocess, against a recording CloudFormation
 * endpoint (AWS_ENDPOINT_URL_CLOUDFORMATION; CloudFormation cannot run here) that answers the
 * query protocol as the API reference documents it; the template is synthesized by the real aws-cdk-lib.
 */
describe('labmesh stack deploy (recording CloudFormation endpoint)', function () {
  this.timeout(180_000)
  const ws = new TestWorkspace()
  const cfn = new CloudFormationEndpoint(
    {
      BucketName: 'lab-lakebucket-1a2b3c',
      KmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      Region: 'us-east-1',
      GlueDatabasePrefix: 'labmesh_',
      AthenaWorkgroup: 'labmesh-lab',
      AthenaOutput: 's3://lab-lakebucket-1a2b3c/athena/',
      NotificationTopicArn: TOPIC,
      OpenSearchEndpoint: 'https://abc123.us-east-1.aoss.amazonaws.com',
    },
    [
      ['LakeKey', 'AWS::KMS::Key'],
      ['LakeBucket', 'AWS::S3::Bucket'],
    ],
  )
  const env = () => ({
    AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'test-secret-key',
    AWS_REGION: 'us-east-1',
  })
  before(async () => cfn.start())
  after(async () => {
    await cfn.stop()
    ws.remove()
  })

  it('refuses to deploy without a terminal unless --yes', async () => {
    const refused = await ws.run(['stack', 'deploy', '--stack-name', 'lab', '--json'], {env: env()})
    expect(refused.code).to.equal(2)
    expect(refused.json.error.message).to.include('--yes')
    expect(cfn.actions()).not.to.include('ExecuteChangeSet')
  })

  it('creates and executes the change set, then writes the profile with the topic and the metrics dimension', async () => {
    cfn.calls.length = 0
    const args = [
      'stack',
      'deploy',
      '--stack-name',
      'lab',
      '--yes',
      '--profile-name',
      'prod',
      '--metadata-url',
      'postgres://labmesh@db.internal/lab',
      '--json',
    ]
    const deployed = await ws.run(args, {env: env()})
    expect(deployed.code, deployed.stderr).to.equal(0)
    expect(deployed.json).to.deep.include({status: 'deployed', stackName: 'lab', stackStatus: 'CREATE_COMPLETE', profile: 'prod'})
    expect(deployed.json.changes).to.deep.equal([
      {action: 'Add', logicalId: 'LakeKey', type: 'AWS::KMS::Key', replacement: ''},
      {action: 'Add', logicalId: 'LakeBucket', type: 'AWS::S3::Bucket', replacement: ''},
    ])
    expect(cfn.actions().slice(0, 4)).to.deep.equal(['DescribeStacks', 'CreateChangeSet', 'DescribeChangeSet', 'ExecuteChangeSet'])
    const create = cfn.calls.find((c) => c.action === 'CreateChangeSet')!.input
    expect(create).to.include({
      StackName: 'lab',
      ChangeSetType: 'CREATE',
      'Capabilities.member.1': 'CAPABILITY_NAMED_IAM',
      'Capabilities.member.2': 'CAPABILITY_AUTO_EXPAND',
    })
    // The template sent is the synthesized one: its alarms watch the metrics' Profile = the stack's name.
    const alarms = Object.values<any>(cfn.template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    expect(alarms.map((a) => a.Properties.Dimensions)).to.deep.equal([[{Name: 'Profile', Value: 'lab'}], [{Name: 'Profile', Value: 'lab'}]])
    const config = JSON.parse(readFileSync(ws.path('config', 'config.json'), 'utf8'))
    expect(config.profiles.prod).to.include({
      backend: 'aws',
      bucket: 'lab-lakebucket-1a2b3c',
      notifyTopicArn: TOPIC,
      metricsProfile: 'lab',
      athenaWorkgroup: 'labmesh-lab',
      openSearchEndpoint: 'https://abc123.us-east-1.aoss.amazonaws.com',
    })
  })

  it('stack status lists as other commands do: two TSV blocks down a pipe, fitted on a terminal, whole with --wide', async () => {
    const piped = await ws.run(['stack', 'status', '--stack-name', 'lab'], {env: env()})
    expect(piped.code, piped.stderr).to.equal(0)
    expect(piped.stderr).to.equal('')
    expect(piped.stdout).not.to.match(/[│┌─]/)
    expect(piped.stdout).not.to.include('\x1b')
    const [record, events] = piped.stdout.trimEnd().split('\n\n')
    const pairs = record.split('\n')
    expect(pairs[0]).to.equal('field\tvalue')
    expect(pairs).to.include.members(['stack\tlab', 'status\tCREATE_COMPLETE', `NotificationTopicArn\t${TOPIC}`])
    // Newest last, as the command lists them.
    const rows = events.split('\n')
    expect(rows[0]).to.equal('time\tresource\tstatus\treason')
    expect(rows.slice(1).map((row) => row.split('\t').slice(1, 3))).to.deep.equal([
      ['LakeKey', 'CREATE_COMPLETE'],
      ['LakeBucket', 'CREATE_COMPLETE'],
      ['lab', 'CREATE_COMPLETE'],
    ])
    for (const row of rows.slice(1)) expect(row.split('\t')[0]).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

    const fitted = await runOnTerminal(ws, ['stack', 'status', '--stack-name', 'lab'], {columns: 60, env: env()})
    expect(fitted.code, fitted.output).to.equal(0)
    expect(Math.max(...fitted.output.split('\n').map((line) => stringWidth(stripVTControlCharacters(line))))).to.be.at.most(60)
    const wide = await runOnTerminal(ws, ['stack', 'status', '--stack-name', 'lab', '--wide'], {columns: 60, env: env()})
    expect(wide.code, wide.output).to.equal(0)
    expect(wide.output).to.include(TOPIC)
    expect((await ws.run(['stack', 'status', '--stack-name', 'lab', '--json'], {env: env()})).json).to.include({
      stackName: 'lab',
      status: 'CREATE_COMPLETE',
    })
  })
})
