import {hostname} from 'node:os'

import type {SharedClientConfig} from '../backends/aws/client-config.js'
import {awsCall} from '../backends/aws/errors.js'
import type {RunFailure, RunRecord} from '../backends/types.js'
import {formatBytes} from '../output/format.js'

/** Failures listed in one notification; the rest are counted (`labmesh status` lists them). */
export const FAILURES_LISTED = 25
const MESSAGE_LENGTH = 500
/** SNS subjects: ASCII, no line breaks, under 100 characters. */
const SUBJECT_LENGTH = 99

export interface Notification {
  subject: string
  message: string
}

/** The text of a run that had failures: what failed (file, code, message), the counts, the profile (its messages come masked by RunTracker). */
export function runNotification(run: RunRecord, failures: RunFailure[] = run.failures): Notification {
  const what = run.status === 'error' ? `ended in an error` : `${run.failed} failed`
  const subject = `labmesh ${run.command} on ${run.profile}: ${what}`
  const lines = [
    `labmesh ${run.command} on profile "${run.profile}" (host ${hostname()}), ${run.startedAt} to ${run.endedAt}: ${what}.`,
    '',
    `ingested ${run.ingested} (${formatBytes(run.bytesIngested)}), unchanged ${run.unchanged}, converted ${run.converted} (${formatBytes(run.bytesConverted)}), failed ${run.failed}${run.command === 'catalog apply' ? `, grant changes ${run.applied}` : ''}`,
  ]
  if (run.error) lines.push('', `error: ${run.error.code}: ${clip(run.error.message)}`)
  if (failures.length > 0) {
    lines.push('', 'failures:')
    for (const failure of failures.slice(0, FAILURES_LISTED))
      lines.push(`- ${failure.path} (${failure.stage}): ${failure.code}: ${clip(failure.message)}`)
    const more = Math.max(run.failed, failures.length) - Math.min(failures.length, FAILURES_LISTED)
    if (more > 0) lines.push(`... and ${more} more`)
  }
  lines.push('', `labmesh status --profile ${run.profile} shows the recent runs and failures.`)
  return {
    subject: asciiLine(subject).slice(0, SUBJECT_LENGTH),
    message: lines.join('\n'),
  }
}

/** Publishes to the topic (SNS Publish); errors are the caller's to report (they never fail a command). */
export async function publishNotification(
  config: SharedClientConfig,
  topicArn: string,
  notification: Notification,
): Promise<string | undefined> {
  const {SNSClient, PublishCommand} = await import('@aws-sdk/client-sns')
  const client = new SNSClient(config)
  try {
    const output = await awsCall({action: 'sns:Publish', resource: topicArn}, () =>
      client.send(new PublishCommand({TopicArn: topicArn, Subject: notification.subject, Message: notification.message})),
    )
    return output.MessageId
  } finally {
    client.destroy()
  }
}

function clip(text: string): string {
  const line = text.replaceAll(/\s+/g, ' ').trim()
  return line.length > MESSAGE_LENGTH ? `${line.slice(0, MESSAGE_LENGTH - 1)}…` : line
}

function asciiLine(text: string): string {
  return text.replaceAll(/[^\x20-\x7E]/g, '?')
}
