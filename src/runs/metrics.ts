import type {MetricDatum} from '@aws-sdk/client-cloudwatch'

import type {SharedClientConfig} from '../backends/aws/client-config.js'
import {awsCall} from '../backends/aws/errors.js'
import {METRIC_NAMESPACE} from './namespace.js'
import type {FinishedRun, PathCounts} from './tracker.js'

/** PutMetricData takes at most 1000 metric data per request, and at most 1 MB of it (CloudWatch API reference). */
export const MAX_DATA_PER_REQUEST = 1000
export const MAX_REQUEST_BYTES = 1_000_000
/** Room left in a request for its namespace and the JSON around the data. */
const REQUEST_OVERHEAD = 1024
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

/**
 * Sends the data to CloudWatch in order, as few requests as the limits allow (MAX_DATA_PER_REQUEST
 * data, MAX_REQUEST_BYTES: long paths as dimensions fill a megabyte before a thousand data); errors
 * are the caller's to report (they never fail a command).
 */
export async function putMetricData(config: SharedClientConfig, data: MetricDatum[]): Promise<number> {
  const {CloudWatchClient, PutMetricDataCommand} = await import('@aws-sdk/client-cloudwatch')
  const client = new CloudWatchClient(config)
  try {
    const batches = requestBatches(data)
    for (const batch of batches) {
      const input = {Namespace: METRIC_NAMESPACE, MetricData: batch}
      await awsCall({action: 'cloudwatch:PutMetricData', resource: METRIC_NAMESPACE}, () => client.send(new PutMetricDataCommand(input)))
    }
    return batches.length
  } finally {
    client.destroy()
  }
}

function requestBatches(data: MetricDatum[]): MetricDatum[][] {
  const batches: MetricDatum[][] = []
  let batch: MetricDatum[] = []
  let bytes = REQUEST_OVERHEAD
  for (const datum of data) {
    // The JSON of the datum as the SDK sends it, give or take its timestamp's form (a date counts longer than the seconds sent).
    const size = Buffer.byteLength(JSON.stringify(datum)) + 1
    if (batch.length === MAX_DATA_PER_REQUEST || (batch.length > 0 && bytes + size > MAX_REQUEST_BYTES)) {
      batches.push(batch)
      batch = []
      bytes = REQUEST_OVERHEAD
    }
    batch.push(datum)
    bytes += size
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}

function dimensionValue(value: string): string {
  return value.length > MAX_DIMENSION_VALUE ? `…${value.slice(-(MAX_DIMENSION_VALUE - 1))}` : value
}
