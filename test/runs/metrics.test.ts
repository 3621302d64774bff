import {CloudWatchClient, CloudWatchServiceException, PutMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {testClientConfig} from '../support/aws/clients.js'
import {MAX_DATA_PER_REQUEST, MAX_REQUEST_BYTES, putMetricData, runMetricData} from '../../src/runs/metrics.js'
import {RunTracker} from '../../src/runs/tracker.js'
import {synthesizeTemplate} from '../../src/stack/template.js'

/**
 * The metric data of a run, checked against the alarms the stack template defines (synthesized by
 * the real aws-cdk-lib), and PutMetricData at CloudWatch's request contract (aws-sdk-client-mock
 * in process; CloudWatch cannot run here).
 */
describe('run metrics: data and PutMetricData', () => {
  const cloudwatch = mockClient(CloudWatchClient)
  afterEach(() => cloudwatch.reset())
  after(() => cloudwatch.restore())

  const ingestRun = () => {
    const tracker = new RunTracker('ingest', 'prod')
    tracker.ingested('/data/envision', 1000)
    tracker.ingested('/data/envision', 24)
    tracker.ingested('/data/qpcr', 10)
    tracker.unchanged()
    tracker.failed('/data/qpcr', {path: '/data/qpcr/empty.txt', stage: 'ingest', code: 'EMPTY_FILE', message: 'the file is empty'})
    return tracker.finish()
  }

  it('publishes every alarm metric of the stack template with exactly the alarm dimensions', async function () {
    this.timeout(120_000)
    const template = await synthesizeTemplate({
      stackName: 'lab',
      withPostgres: false,
      withOpenSearch: false,
      glueDatabasePrefix: 'labmesh_',
      bytesScannedCutoff: 10 * 1024 ** 3,
    })
    const alarms = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map(
        (r) =>
          (r as unknown as {Properties: {Namespace: string; MetricName: string; Dimensions: {Name: string; Value: string}[]}}).Properties,
      )
    expect(alarms.map((a) => a.MetricName).sort()).to.deep.equal(['CommandErrors', 'FilesFailed'])
    const data = runMetricData(ingestRun(), 'lab')
    for (const alarm of alarms) {
      expect(alarm.Namespace).to.equal('labmesh')
      // CloudWatch matches an alarm's metric by name and the exact set of dimensions.
      const matching = data.filter(
        (d) => d.MetricName === alarm.MetricName && JSON.stringify(d.Dimensions) === JSON.stringify(alarm.Dimensions),
      )
      expect(matching, alarm.MetricName).to.have.length(1)
    }
  })

  it('counts files and bytes per profile, per path and the duration per command', () => {
    const finished = ingestRun()
    const data = runMetricData(finished, 'lab')
    const value = (name: string, dims: Record<string, string>) =>
      data.filter(
        (d) =>
          d.MetricName === name &&
          JSON.stringify(d.Dimensions) === JSON.stringify(Object.entries(dims).map(([Name, Value]) => ({Name, Value}))),
      )
    expect(value('FilesIngested', {Profile: 'lab'})[0]).to.include({Value: 3, Unit: 'Count'})
    expect(value('BytesIngested', {Profile: 'lab'})[0]).to.include({Value: 1034, Unit: 'Bytes'})
    expect(value('FilesFailed', {Profile: 'lab'})[0]).to.include({Value: 1, Unit: 'Count'})
    expect(value('CommandErrors', {Profile: 'lab'})[0]).to.include({Value: 0})
    expect(value('FilesIngested', {Profile: 'lab', Path: '/data/envision'})[0]).to.include({Value: 2})
    expect(value('BytesIngested', {Profile: 'lab', Path: '/data/envision'})[0]).to.include({Value: 1024})
    expect(value('FilesFailed', {Profile: 'lab', Path: '/data/qpcr'})[0]).to.include({Value: 1})
    // Per path, only what happened there: nothing converted, no zero series per path.
    expect(value('FilesConverted', {Profile: 'lab', Path: '/data/qpcr'})).to.have.length(0)
    expect(value('FilesFailed', {Profile: 'lab', Path: '/data/envision'})).to.have.length(0)
    const duration = value('RunDuration', {Profile: 'lab', Command: 'ingest'})[0]
    expect(duration.Unit).to.equal('Milliseconds')
    expect(duration.Value).to.equal(finished.run.durationMs)
    for (const d of data) expect(d.Timestamp).to.deep.equal(new Date(finished.run.endedAt))
  })

  it('counts a command that ended in an error as one CommandErrors', () => {
    const finished = new RunTracker('convert', 'prod').finish({code: 'BACKEND', message: 'database unreachable'})
    const errors = runMetricData(finished, 'prod').find((d) => d.MetricName === 'CommandErrors')
    expect(errors?.Value).to.equal(1)
  })

  it('sends at most 1000 metric data per PutMetricData request, in order', async () => {
    cloudwatch.on(PutMetricDataCommand).resolves({})
    const tracker = new RunTracker('ingest', 'prod')
    for (let i = 0; i < 600; i++) tracker.ingested(`/data/p${i}`, 1)
    const data = runMetricData(tracker.finish(), 'prod')
    // 7 profile-wide data, then 2 per path (files and bytes ingested).
    expect(data).to.have.length(7 + 1200)
    const requests = await putMetricData(await testClientConfig('http://127.0.0.1:9'), data)
    expect(requests).to.equal(2)
    const inputs = cloudwatch.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input)
    expect(inputs.map((i) => i.MetricData!.length)).to.deep.equal([MAX_DATA_PER_REQUEST, 207])
    expect(inputs.every((i) => i.Namespace === 'labmesh')).to.equal(true)
    expect(inputs.flatMap((i) => i.MetricData)).to.deep.equal(data)
  })

  it('keeps each PutMetricData request under 1 MB when long paths fill it before 1000 data', async () => {
    cloudwatch.on(PutMetricDataCommand).resolves({})
    const tracker = new RunTracker('ingest', 'prod')
    const folder = `/data/${'deep-folder-name/'.repeat(55)}`
    for (let i = 0; i < 500; i++) tracker.ingested(`${folder}${i}`, 1)
    const data = runMetricData(tracker.finish(), 'prod')
    expect(data).to.have.length(7 + 1000)
    const requests = await putMetricData(await testClientConfig('http://127.0.0.1:9'), data)
    const inputs = cloudwatch.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input)
    expect(requests).to.equal(inputs.length)
    expect(inputs.length).to.be.greaterThan(1)
    for (const input of inputs) expect(Buffer.byteLength(JSON.stringify(input))).to.be.at.most(MAX_REQUEST_BYTES)
    expect(inputs.flatMap((i) => i.MetricData)).to.deep.equal(data)
  })

  it('gives CloudWatch errors back as a labmesh error naming the action', async () => {
    cloudwatch.on(PutMetricDataCommand).rejects(
      new CloudWatchServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {httpStatusCode: 403},
        message: 'not authorized to perform cloudwatch:PutMetricData',
      }),
    )
    const error = await putMetricData(await testClientConfig('http://127.0.0.1:9'), runMetricData(ingestRun(), 'prod')).catch(
      (e: unknown) => e,
    )
    expect((error as {code: string}).code).to.equal('FORBIDDEN')
    expect(String((error as Error).message)).to.match(/PutMetricData/)
  })
})
