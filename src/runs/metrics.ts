import type {MetricDatum} from '@aws-sdk/client-cloudwatch'

import type {SharedClientConfig} from '../backends/aws/client-config.js'
import {awsCall} from '../backends/aws/errors.js'
import {METRIC_NAMESPACE} from './namespace.js'
import type {FinishedRun, PathCounts} from './tracker.js'

/** PutMetricData takes at most 1000 metric data per request (CloudWatch API reference). */
export const MAX_DATA_PER_REQUEST = 1000
/** CloudWatch's longest dimension value. */
const MAX_DIMENSION_VALUE = 1024

const PATH_METRICS: Array<[string, keyof PathCounts, 'Count' | 'Bytes']> = [
  ['FilesIngested', 'ingested', 'Count'],
  ['BytesIngested', 'bytesIngested', 'Bytes'],
  ['FilesConverted', 'converted', 'Count'],
  ['BytesConverted', 'bytesConverted', 'Bytes'],
  ['FilesFailed', 'failed', 'Count'],
]

/**
 * The metric data of a run. Every count goes once with the `Profile` dimension alone (what the
 * stack's alarms watch: CloudWatch matches a metric by its exact set of dimensions) and once per
 * path with `Profile` and `Path`; the duration goes with `Profile` and `Command`, and a command
 * that ended in an error counts one `CommandErrors`.
 */
export function runMetricData(finished: FinishedRun, dimension: string): MetricDatum[] {
  const {run} = finished
  const timestamp = new Date(run.endedAt)
  const profile = {Name: 'Profile', Value: dimensionValue(dimension)}
  const datum = (name: string, value: number, unit: MetricDatum['Unit'], extra?: {Name: string; Value: string}): MetricDatum => ({
    MetricName: name,
    Dimensions: extra ? [profile, extra] : [profile],
    Timestamp: timestamp,
    Value: value,
    Unit: unit,
  })
  const data = PATH_METRICS.map(([name, key, unit]) => datum(name, run[key], unit))
  data.push(datum('CommandErrors', run.status === 'error' ? 1 : 0, 'Count'))
  // A watch run is a window of a long-lived process, not a command that ran for that long.
  if (run.command !== 'watch') data.push(datum('RunDuration', run.durationMs, 'Milliseconds', {Name: 'Command', Value: run.command}))
  for (const [path, counts] of finished.paths) {
    const byPath = {Name: 'Path', Value: dimensionValue(path)}
    for (const [name, key, unit] of PATH_METRICS) if (counts[key] > 0) data.push(datum(name, counts[key], unit, byPath))
  }
  return data
}

/** Sends the data to CloudWatch, MAX_DATA_PER_REQUEST at a time; errors are the caller's to report (they never fail a command). */
export async function putMetricData(config: SharedClientConfig, data: MetricDatum[]): Promise<number> {
  const {CloudWatchClient, PutMetricDataCommand} = await import('@aws-sdk/client-cloudwatch')
  const client = new CloudWatchClient(config)
  let requests = 0
  try {
    for (let start = 0; start < data.length; start += MAX_DATA_PER_REQUEST) {
      const input = {Namespace: METRIC_NAMESPACE, MetricData: data.slice(start, start + MAX_DATA_PER_REQUEST)}
      await awsCall({action: 'cloudwatch:PutMetricData', resource: METRIC_NAMESPACE}, () => client.send(new PutMetricDataCommand(input)))
      requests++
    }
    return requests
  } finally {
    client.destroy()
  }
}

function dimensionValue(value: string): string {
  return value.length > MAX_DIMENSION_VALUE ? `…${value.slice(-(MAX_DIMENSION_VALUE - 1))}` : value
}
