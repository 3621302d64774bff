import {CloudWatchClient, PutMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {PublishCommand, SNSClient} from '@aws-sdk/client-sns'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {testClientConfig} from '../support/aws/clients.js'
import type {ResolvedProfile} from '../../src/config/profiles.js'
import {FAILURES_LISTED, publishNotification, runNotification} from '../../src/runs/notify.js'
import {redactSecrets} from '../../src/runs/redact.js'
import {reportRun} from '../../src/runs/report.js'
import {RunTracker} from '../../src/runs/tracker.js'

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:labmesh-lab'

/**
 * Notifications of failed runs: the text, and SNS Publish at its request contract
 * (aws-sdk-client-mock in process; SNS cannot run here); and reportRun, which never fails a command.
 */
describe('run notifications and reporting', () => {
  const sns = mockClient(SNSClient)
  const cloudwatch = mockClient(CloudWatchClient)
  afterEach(() => {
    sns.reset()
    cloudwatch.reset()
  })
  after(() => {
    sns.restore()
    cloudwatch.restore()
  })

  const failedRun = (failures: number) => {
    const tracker = new RunTracker('ingest', 'prod')
    tracker.ingested('/data', 2048)
    for (let i = 0; i < failures; i++)
      tracker.failed('/data', {
        path: `/data/f${i}.csv`,
        stage: 'ingest',
        code: 'EMPTY_FILE',
        message: 'the file is empty (0 bytes): nothing to store',
      })
    return tracker.finish()
  }
  const awsProfile = (settings: Record<string, unknown> = {}): ResolvedProfile => ({
    name: 'prod',
    source: 'flag',
    configFile: '/nowhere/config.json',
    settings: {backend: 'aws', bucket: 'b', kmsKeyId: 'k', region: 'us-east-1', notifyTopicArn: TOPIC, ...settings},
  })

  it('says what failed (file, code, message), the counts and the profile', () => {
    const {subject, message} = runNotification(failedRun(2).run)
    expect(subject).to.equal('labmesh ingest on prod: 2 failed')
    expect(message).to.include('profile "prod"')
    expect(message).to.include('ingested 1 (2.0 KiB), unchanged 0, converted 0 (0 B), failed 2')
    expect(message).to.include('- /data/f0.csv (ingest): EMPTY_FILE: the file is empty (0 bytes): nothing to store')
    expect(message).to.include('- /data/f1.csv (ingest)')
  })

  it('lists the first failures and counts the rest', () => {
    const {message} = runNotification(failedRun(FAILURES_LISTED + 7).run)
    expect(message.match(/^- /gm)).to.have.length(FAILURES_LISTED)
    expect(message).to.include('... and 7 more')
  })

  it('never carries a secret: not in the run kept for `labmesh status`, not in its notification', () => {
    const tracker = new RunTracker('convert', 'prod')
    tracker.failed(undefined, {
      path: '/data/x.csv',
      stage: 'convert',
      code: 'BACKEND',
      message:
        'connect to postgres://labmesh:s3cr3t-Pa55@db.internal:5432/lab failed; key lmk_ab12cd_SECRETPART99 password=hunter2 aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    })
    tracker.failed(undefined, {
      path: '/data/y.csv',
      stage: 'ingest',
      code: 'BACKEND',
      // A password with `@` or `/` in it, a JSON body, a bearer token.
      message: 'postgres://lab:p@ss/W0rd@db.internal/lab refused; body {"client_secret":"sh-h-h"}; sent Authorization: Bearer abc.DEF.ghi',
    })
    const {run} = tracker.finish({code: 'BACKEND', message: 'PGPASSWORD=topsecret was refused'})
    const {message} = runNotification(run)
    const secrets = ['s3cr3t-Pa55', 'SECRETPART99', 'hunter2', 'wJalrXUtnFEMI', 'ss/W0rd', 'sh-h-h', 'abc.DEF.ghi', 'topsecret']
    for (const text of [message, JSON.stringify(run)]) for (const secret of secrets) expect(text).not.to.include(secret)
    expect(message).to.include('postgres://labmesh:***@db.internal:5432/lab')
    expect(message).to.include('postgres://lab:***@db.internal/lab refused')
    expect(message).to.include('lmk_ab12cd_***')
    expect(message).to.include('Bearer ***')
    expect(redactSecrets('sha256 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b stays')).to.include('3a7bd3e2360a')
  })

  it('publishes the subject and message to the topic', async () => {
    sns.on(PublishCommand).resolves({MessageId: 'a8b9c0d1-0000-4000-8000-000000000001'})
    const notification = runNotification(failedRun(1).run)
    const id = await publishNotification(await testClientConfig('http://127.0.0.1:9'), TOPIC, notification)
    expect(id).to.equal('a8b9c0d1-0000-4000-8000-000000000001')
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input)).to.deep.equal([
      {TopicArn: TOPIC, Subject: notification.subject, Message: notification.message},
    ])
  })

  it('notifies only runs with failures, when asked; a failing CloudWatch or SNS only warns', async () => {
    cloudwatch.on(PutMetricDataCommand).rejects(new Error('connect ECONNREFUSED 127.0.0.1:9'))
    sns.on(PublishCommand).rejects(new Error('connect ECONNREFUSED 127.0.0.1:9'))
    const warnings: string[] = []
    const reporting = {profile: awsProfile(), notify: true, warn: (m: string) => warnings.push(m)}
    await reportRun(new RunTracker('ingest', 'prod').finish(), reporting)
    expect(sns.commandCalls(PublishCommand)).to.have.length(0)
    expect(warnings).to.have.length(1)
    expect(warnings[0]).to.match(/^metrics not published to CloudWatch: .*ECONNREFUSED/)
    warnings.length = 0
    await reportRun(failedRun(1), reporting)
    expect(sns.commandCalls(PublishCommand)).to.have.length(1)
    expect(warnings).to.have.length(2)
    expect(warnings[1]).to.match(/^notification not sent to arn:aws:sns:.*ECONNREFUSED/)
  })

  it('follows the profile: metrics off, notify on, the metrics dimension of the stack', async () => {
    cloudwatch.on(PutMetricDataCommand).resolves({})
    sns.on(PublishCommand).resolves({MessageId: 'm1'})
    const warnings: string[] = []
    await reportRun(failedRun(1), {profile: awsProfile({metrics: false, notify: true}), notify: false, warn: (m) => warnings.push(m)})
    expect(cloudwatch.commandCalls(PutMetricDataCommand)).to.have.length(0)
    expect(sns.commandCalls(PublishCommand)).to.have.length(1)
    await reportRun(failedRun(1), {profile: awsProfile({metricsProfile: 'lab'}), notify: false, warn: (m) => warnings.push(m)})
    const dims = cloudwatch.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData![0].Dimensions
    expect(dims).to.deep.equal([{Name: 'Profile', Value: 'lab'}])
    expect(sns.commandCalls(PublishCommand)).to.have.length(1)
    expect(warnings).to.deep.equal([])
  })

  it('warns when --notify has no topic to publish to', async () => {
    const warnings: string[] = []
    await reportRun(failedRun(1), {
      profile: awsProfile({notifyTopicArn: undefined, metrics: false}),
      notify: true,
      warn: (m) => warnings.push(m),
    })
    expect(warnings[0]).to.match(/no notification sent: profile "prod" names no SNS topic/)
  })
})
