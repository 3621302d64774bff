import {mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {type AwsWorkspace, startAwsWorkspace} from '../../support/aws/workspace.js'
import {INSTRUMENTS} from '../../support/testdata.js'

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:labmesh-lab'
const PUT_METRIC_DATA = 'GraniteServiceVersion20100801.PutMetricData'

/**
 * Metrics and notifications of batch commands on an aws profile, through the built CLI in a
 * subprocess: CloudWatch PutMetricData and SNS Publish answered by the recording endpoint (the
 * SDK's AWS_ENDPOINT_URL_CLOUDWATCH and _SNS point at it), S3 real (s3rver), PostgreSQL real,
 * real exports from ../shared/testdata.
 */
describe('aws operations: metrics and notifications of batch commands', function () {
  this.timeout(300_000)
  let workspace: AwsWorkspace
  const envision = path.join(INSTRUMENTS, 'perkin_elmer_envision')
  const envisionFiles = readdirSync(envision).filter((f) => !f.endsWith('.expected.json'))
  const exports = ['--exclude', '**/*.expected.json']
  const bytes = (dir: string, files: string[]) => files.reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0)

  before(async () => {
    workspace = await startAwsWorkspace()
    // The profile as `stack deploy` writes it: the stack's topic, and the stack's name as the metrics' Profile.
    const configFile = workspace.ws.path('config', 'config.json')
    const config = JSON.parse(readFileSync(configFile, 'utf8'))
    Object.assign(config.profiles.prod, {notifyTopicArn: TOPIC, metricsProfile: 'lab'})
    writeFileSync(configFile, JSON.stringify(config))
  })
  after(async () => workspace?.stop())

  const datum = (input: any, name: string, dims: Record<string, string>) =>
    input.MetricData.filter(
      (d: any) =>
        d.MetricName === name &&
        JSON.stringify(d.Dimensions) === JSON.stringify(Object.entries(dims).map(([Name, Value]) => ({Name, Value}))),
    )

  it('publishes files and bytes per profile and path, and notifies the failures with --notify', async () => {
    const drop = workspace.ws.path('drop')
    mkdirSync(drop)
    writeFileSync(path.join(drop, 'empty.csv'), '')
    const ingest = await workspace.run(['ingest', envision, drop, ...exports, '--notify', '--json'])
    expect(ingest.code, ingest.stderr).to.equal(6)
    expect(ingest.json.ingested).to.equal(envisionFiles.length)
    expect(ingest.json.warnings ?? []).to.deep.equal([])

    const inputs = workspace.aws.inputs(PUT_METRIC_DATA)
    expect(inputs).to.have.length(1)
    const [input] = inputs
    expect(input.Namespace).to.equal('labmesh')
    expect(datum(input, 'FilesIngested', {Profile: 'lab'})[0]).to.include({Value: envisionFiles.length, Unit: 'Count'})
    expect(datum(input, 'BytesIngested', {Profile: 'lab'})[0]).to.include({Value: bytes(envision, envisionFiles), Unit: 'Bytes'})
    expect(datum(input, 'FilesFailed', {Profile: 'lab'})[0]).to.include({Value: 1})
    expect(datum(input, 'CommandErrors', {Profile: 'lab'})[0]).to.include({Value: 0})
    expect(datum(input, 'FilesIngested', {Profile: 'lab', Path: envision})[0]).to.include({Value: envisionFiles.length})
    expect(datum(input, 'FilesFailed', {Profile: 'lab', Path: drop})[0]).to.include({Value: 1})
    expect(datum(input, 'RunDuration', {Profile: 'lab', Command: 'ingest'})[0].Unit).to.equal('Milliseconds')

    expect(workspace.aws.published).to.have.length(1)
    const [message] = workspace.aws.published
    expect(message.TopicArn).to.equal(TOPIC)
    expect(message.Subject).to.equal('labmesh ingest on prod: 1 failed')
    expect(message.Message).to.include(`- ${path.join(drop, 'empty.csv')} (ingest): EMPTY_FILE: the file is empty`)
    expect(message.Message).to.include(`ingested ${envisionFiles.length} (`)
    expect(message.Message).not.to.include(workspace.databaseUrl)
  })

  it('converts and publishes the files converted; no notification without failures', async () => {
    const convert = await workspace.run(['convert', '--notify', '--json'])
    expect(convert.code, convert.stderr).to.equal(0)
    const input = workspace.aws.inputs(PUT_METRIC_DATA).at(-1)
    expect(datum(input, 'FilesConverted', {Profile: 'lab'})[0]).to.include({Value: envisionFiles.length})
    const engineered = convert.json.files.reduce((sum: number, f: {size: number}) => sum + f.size, 0)
    expect(datum(input, 'BytesConverted', {Profile: 'lab'})[0]).to.include({Value: engineered, Unit: 'Bytes'})
    expect(datum(input, 'FilesFailed', {Profile: 'lab'})[0]).to.include({Value: 0})
    expect(workspace.aws.published).to.have.length(1)
  })

  it('a failing metrics endpoint never fails ingest: a warning, and the files are stored', async () => {
    workspace.aws.failing.add(PUT_METRIC_DATA)
    const before = workspace.aws.inputs(PUT_METRIC_DATA).length
    const folder = path.join(INSTRUMENTS, 'thermo_fisher_nanodrop_eight')
    const files = readdirSync(folder).filter((f) => !f.endsWith('.expected.json'))
    const ingest = await workspace.run(['ingest', folder, ...exports, '--json'])
    expect(ingest.code, ingest.stderr).to.equal(0)
    expect(ingest.json.ingested).to.equal(files.length)
    expect(ingest.json.warnings.map((w: {message: string}) => w.message)).to.deep.equal([
      `metrics not published to CloudWatch: ${ingest.json.warnings[0].message.replace(/^metrics not published to CloudWatch: /, '')}`,
    ])
    expect(ingest.json.warnings[0].message).to.match(/PutMetricData/)
    // The SDK retried before giving up.
    expect(workspace.aws.inputs(PUT_METRIC_DATA).length - before).to.be.greaterThan(1)
    const listed = await workspace.run(['files', 'list', '--json', '--limit', '100'])
    expect(listed.json.files.filter((f: {sourcePath: string}) => f.sourcePath.startsWith(folder))).to.have.length(files.length)
  })

  it('a profile with metrics off publishes none', async () => {
    workspace.aws.failing.delete(PUT_METRIC_DATA)
    const configFile = workspace.ws.path('config', 'config.json')
    const config = JSON.parse(readFileSync(configFile, 'utf8'))
    config.profiles.prod.metrics = false
    writeFileSync(configFile, JSON.stringify(config))
    const before = workspace.aws.inputs(PUT_METRIC_DATA).length
    const ingest = await workspace.run(['ingest', envision, ...exports, '--json'])
    expect(ingest.code, ingest.stderr).to.equal(0)
    expect(ingest.json.unchanged).to.equal(envisionFiles.length)
    expect(workspace.aws.inputs(PUT_METRIC_DATA)).to.have.length(before)
  })

  it('labmesh status shows the runs kept in PostgreSQL', async () => {
    const status = await workspace.run(['status', '--json'])
    expect(status.code, status.stderr).to.equal(0)
    expect(status.json.runs.map((r: any) => [r.command, r.status, r.ingested, r.unchanged, r.converted, r.failed])).to.deep.equal([
      ['ingest', 'ok', 0, envisionFiles.length, 0, 0],
      ['ingest', 'ok', 2, 0, 0, 0],
      ['convert', 'ok', 0, 0, envisionFiles.length, 0],
      ['ingest', 'failed', envisionFiles.length, 0, 0, 1],
    ])
    expect(status.json.failures.map((f: any) => [f.path, f.code])).to.deep.equal([[workspace.ws.path('drop', 'empty.csv'), 'EMPTY_FILE']])
  })
})
