import type {Backend} from '../backends/types.js'
import type {ResolvedProfile} from '../config/profiles.js'
import {toLabmeshError} from '../errors.js'
import type {FinishedRun} from './tracker.js'

export interface RunReporting {
  profile: ResolvedProfile
  /** The backend the command opened, if it got that far. */
  backend?: Backend
  /** --notify on the command line. */
  notify: boolean
  warn(message: string): void
}

/**
 * Keeps the run in the backend's run log, publishes its metrics (aws profiles, unless the profile
 * turns them off) and, when it had failures and notifications are asked for, a summary to the
 * SNS topic. None of it ever fails the command: each problem is a warning.
 */
export async function reportRun(finished: FinishedRun, reporting: RunReporting): Promise<void> {
  const {run} = finished
  const {profile, warn} = reporting
  if (reporting.backend?.runs) {
    await reporting.backend.runs
      .record(run)
      .catch((error: unknown) => warn(`this run was not kept for \`labmesh status\`: ${reason(error)}`))
  }
  const settings = profile.settings
  const wantsNotice = reporting.notify || (settings.backend === 'aws' && settings.notify === true)
  const hasFailures = run.failed > 0 || run.status === 'error'
  if (settings.backend !== 'aws') {
    if (reporting.notify)
      warn('--notify publishes to the SNS topic of an aws profile; this profile is local (`labmesh status` shows its runs)')
    return
  }
  const wantsMetrics = settings.metrics !== false
  const topic = settings.notifyTopicArn
  if (wantsNotice && !topic)
    warn(`no notification sent: profile "${profile.name}" names no SNS topic (notifyTopicArn; \`labmesh stack deploy\` writes it)`)
  const notifying = wantsNotice && hasFailures && topic !== undefined
  if (!wantsMetrics && !notifying) return
  const {sharedClientConfig} = await import('../backends/aws/client-config.js')
  // Fewer attempts than the data path's: a CloudWatch or SNS outage delays the command's end by seconds, not a minute.
  const config = {...(await sharedClientConfig({region: settings.region, awsProfile: settings.awsProfile})), maxAttempts: 3}
  if (wantsMetrics) {
    const {putMetricData, runMetricData} = await import('./metrics.js')
    await putMetricData(config, runMetricData(finished, settings.metricsProfile ?? profile.name)).catch((error: unknown) =>
      warn(`metrics not published to CloudWatch: ${reason(error)}`),
    )
  }
  if (notifying) {
    const {publishNotification, runNotification} = await import('./notify.js')
    await publishNotification(config, topic, runNotification(run)).catch((error: unknown) =>
      warn(`notification not sent to ${topic}: ${reason(error)}`),
    )
  }
}

function reason(error: unknown): string {
  return toLabmeshError(error).message
}
