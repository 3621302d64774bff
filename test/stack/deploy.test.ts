import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation'
import * as sdk from '@aws-sdk/client-cloudformation'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {LabmeshError} from '../../src/errors.js'
import {type PlannedChange, StackDeployer} from '../../src/stack/deploy.js'

/**
 * The deploy flow at CloudFormation's request/response contract (aws-sdk-client-mock in process;
 * CloudFormation cannot run here): responses shaped as the API reference documents them.
 */
describe('stack deploy: change set, confirmation, events, outcome', () => {
  // Mocks patch every client of the class in this process: made here and restored after.
  const mock = () => mockClient(CloudFormationClient)
  let cfn: ReturnType<typeof mock>
  before(() => (cfn = mock()))
  after(() => cfn.restore())
  const notFound = new CloudFormationServiceException({
    name: 'ValidationError',
    $fault: 'client',
    $metadata: {httpStatusCode: 400},
    message: 'Stack with id lab does not exist',
  })
  const stackId = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/lab/1b2c3d4e'
  const at = (seconds: number) => new Date(Date.now() + seconds * 1000)
  const event = (id: string, seconds: number, logical: string, status: string, reason?: string): StackEvent => ({
    EventId: id,
    StackId: stackId,
    StackName: 'lab',
    LogicalResourceId: logical,
    ResourceStatus: status as StackEvent['ResourceStatus'],
    ResourceStatusReason: reason,
    Timestamp: at(seconds),
  })
  const template = {Resources: {LakeBucket: {Type: 'AWS::S3::Bucket'}}}
  let deployer: StackDeployer
  beforeEach(() => {
    cfn.reset()
    deployer = new StackDeployer(new CloudFormationClient({region: 'eu-west-1'}), sdk)
  })

  it('creates a new stack: shows every page of changes, streams events oldest first, returns the outputs', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejectsOnce(notFound)
      .resolvesOnce({Stacks: [{StackId: stackId, StackName: 'lab', StackStatus: 'CREATE_IN_PROGRESS', CreationTime: at(0)}]})
      .resolves({
        Stacks: [
          {
            StackId: stackId,
            StackName: 'lab',
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: at(0),
            Outputs: [{OutputKey: 'BucketName', OutputValue: 'lab-lakebucket-1x2y'}],
          },
        ],
      })
    cfn.on(CreateChangeSetCommand).resolves({Id: 'arn:aws:cloudformation:eu-west-1:123456789012:changeSet/labmesh-1/abc', StackId: stackId})
    cfn
      .on(DescribeChangeSetCommand)
      .resolvesOnce({Status: 'CREATE_PENDING', ExecutionStatus: 'UNAVAILABLE'})
      .resolvesOnce({
        Status: 'CREATE_COMPLETE',
        Changes: [{Type: 'Resource', ResourceChange: {Action: 'Add', LogicalResourceId: 'LakeKey', ResourceType: 'AWS::KMS::Key'}}],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Status: 'CREATE_COMPLETE',
        Changes: [{Type: 'Resource', ResourceChange: {Action: 'Add', LogicalResourceId: 'LakeBucket', ResourceType: 'AWS::S3::Bucket'}}],
      })
    cfn.on(ExecuteChangeSetCommand).resolves({})
    cfn
      .on(DescribeStackEventsCommand)
      .resolvesOnce({StackEvents: [event('e1', 1, 'lab', 'CREATE_IN_PROGRESS')]})
      .resolves({
        StackEvents: [
          event('e3', 3, 'lab', 'CREATE_COMPLETE'),
          event('e2', 2, 'LakeBucket', 'CREATE_COMPLETE'),
          event('e1', 1, 'lab', 'CREATE_IN_PROGRESS'),
        ],
      })

    let shown: PlannedChange[] = []
    const streamed: string[] = []
    const outcome = await deployer.deploy({
      stackName: 'lab',
      template,
      confirm: async (changes) => ((shown = changes), true),
      onEvent: (e) => streamed.push(e.EventId!),
      pollMs: 1,
    })
    expect(shown).to.deep.equal([
      {action: 'Add', logicalId: 'LakeKey', type: 'AWS::KMS::Key', replacement: ''},
      {action: 'Add', logicalId: 'LakeBucket', type: 'AWS::S3::Bucket', replacement: ''},
    ])
    expect(streamed).to.deep.equal(['e1', 'e2', 'e3'])
    expect(outcome).to.deep.include({status: 'deployed', stackStatus: 'CREATE_COMPLETE', outputs: {BucketName: 'lab-lakebucket-1x2y'}})
    const created = cfn.commandCalls(CreateChangeSetCommand)[0].args[0].input
    expect(created).to.include({StackName: 'lab', ChangeSetType: 'CREATE'})
    expect(created.Capabilities).to.deep.equal(['CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'])
    expect(JSON.parse(created.TemplateBody!)).to.deep.equal(template)
    expect(cfn.commandCalls(ExecuteChangeSetCommand)[0].args[0].input).to.deep.equal({
      StackName: 'lab',
      ChangeSetName: created.ChangeSetName,
    })
  })

  it('an update shows replacements, and a refusal deletes the change set without executing it', async () => {
    cfn
      .on(DescribeStacksCommand)
      .resolves({Stacks: [{StackId: stackId, StackName: 'lab', StackStatus: 'UPDATE_COMPLETE', CreationTime: at(-99)}]})
    cfn.on(CreateChangeSetCommand).resolves({Id: 'cs', StackId: stackId})
    cfn.on(DescribeChangeSetCommand).resolves({
      Status: 'CREATE_COMPLETE',
      Changes: [
        {
          Type: 'Resource',
          ResourceChange: {
            Action: 'Modify',
            Replacement: 'True',
            LogicalResourceId: 'MetadataDatabase',
            ResourceType: 'AWS::RDS::DBInstance',
          },
        },
      ],
    })
    cfn.on(DeleteChangeSetCommand).resolves({})
    let shown: PlannedChange[] = []
    const outcome = await deployer.deploy({stackName: 'lab', template, confirm: async (changes) => ((shown = changes), false), pollMs: 1})
    expect(shown).to.deep.equal([{action: 'Modify', logicalId: 'MetadataDatabase', type: 'AWS::RDS::DBInstance', replacement: 'True'}])
    expect(outcome.status).to.equal('cancelled')
    expect(cfn.commandCalls(CreateChangeSetCommand)[0].args[0].input.ChangeSetType).to.equal('UPDATE')
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).to.have.length(0)
    expect(cfn.commandCalls(DeleteChangeSetCommand)).to.have.length(1)
  })

  it('a template with no changes is "unchanged", and asks nothing', async () => {
    cfn
      .on(DescribeStacksCommand)
      .resolves({Stacks: [{StackId: stackId, StackName: 'lab', StackStatus: 'CREATE_COMPLETE', CreationTime: at(-99)}]})
    cfn.on(CreateChangeSetCommand).resolves({Id: 'cs', StackId: stackId})
    cfn.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set.",
    })
    cfn.on(DeleteChangeSetCommand).resolves({})
    const outcome = await deployer.deploy({stackName: 'lab', template, confirm: async () => expect.fail('nothing to confirm'), pollMs: 1})
    expect(outcome).to.deep.equal({status: 'unchanged'})
    expect(cfn.commandCalls(DeleteChangeSetCommand)).to.have.length(1)
  })

  it('a failed deployment ends in an error naming the rollback reasons', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejectsOnce(notFound)
      .resolves({Stacks: [{StackId: stackId, StackName: 'lab', StackStatus: 'ROLLBACK_COMPLETE', CreationTime: at(0)}]})
    cfn.on(CreateChangeSetCommand).resolves({Id: 'cs', StackId: stackId})
    cfn.on(DescribeChangeSetCommand).resolves({Status: 'CREATE_COMPLETE', Changes: []})
    cfn.on(ExecuteChangeSetCommand).resolves({})
    cfn.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        event('e3', 3, 'lab', 'ROLLBACK_COMPLETE'),
        event(
          'e2',
          2,
          'LakeFormationSettings',
          'CREATE_FAILED',
          'Resource handler returned message: "Insufficient Lake Formation permission(s)"',
        ),
        event('e1', 1, 'lab', 'CREATE_IN_PROGRESS'),
      ],
    })
    const error = await deployer.deploy({stackName: 'lab', template, confirm: async () => true, pollMs: 1}).catch((e: unknown) => e)
    expect(error).to.be.instanceOf(LabmeshError).with.property('code', 'BACKEND')
    expect((error as Error).message)
      .to.include('ROLLBACK_COMPLETE')
      .and.include('LakeFormationSettings: Resource handler returned message: "Insufficient Lake Formation permission(s)"')
  })

  it('pages stack events and stops at the first page older than the deployment', async () => {
    cfn
      .on(DescribeStackEventsCommand)
      .resolvesOnce({StackEvents: [event('e3', 3, 'lab', 'X'), event('e2', 2, 'lab', 'X')], NextToken: 't2'})
      .resolvesOnce({StackEvents: [event('e1', 1, 'lab', 'X'), event('old', -500, 'lab', 'X')], NextToken: 't3'})
    const events = await deployer.eventsSince('lab', at(0))
    expect(events.map((e) => e.EventId)).to.deep.equal(['e1', 'e2', 'e3'])
    expect(cfn.commandCalls(DescribeStackEventsCommand)).to.have.length(2)
  })
})
