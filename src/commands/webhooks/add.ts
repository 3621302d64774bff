import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {EVENT_TYPES, type Webhook} from '../../backends/types.js'
import {LabmeshError} from '../../errors.js'
import {durationFlag} from '../../flags/duration.js'
import {addWebhook, eventStoreOf} from '../../webhooks/manage.js'

export default class WebhooksAdd extends LabmeshCommand<typeof WebhooksAdd> {
  static override summary = 'Send signed events to a URL: files ingested, converted or failed, tables updated.'
  static override description = `Each delivery is a JSON POST with an id and a timestamp, signed in the Labmesh-Signature header
(t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>; docs/webhooks.md shows how to check it). Deliveries
are retried with exponential backoff until --give-up-after, and kept in the workspace's outbox meanwhile. Without
--secret-from-env, labmesh makes a secret and shows it once. The secret is kept sealed under the workspace's
webhook-secrets.key (in Secrets Manager on aws), never in the database. Private, loopback and link-local targets are refused
unless --allow-private.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> https://lims.example.com/hooks/labmesh --events file.converted,file.failed',
    '<%= config.bin %> <%= command.id %> https://lims.example.com/hooks/labmesh --events file.ingested --secret-from-env LIMS_HOOK_SECRET',
    '<%= config.bin %> <%= command.id %> http://10.0.4.7:8080/labmesh --events table.updated --allow-private',
  ]
  static override args = {
    url: Args.string({description: 'Where to POST the events (http or https).', required: true}),
  }
  static override flags = {
    events: Flags.string({
      description: `Events to send (repeatable or comma-separated): ${EVENT_TYPES.join(', ')}.`,
      required: true,
      multiple: true,
    }),
    'secret-from-env': Flags.string({
      description: 'Sign with the secret in this environment variable (at least 16 characters) instead of a new one.',
    }),
    'allow-private': Flags.boolean({description: 'Allow private, loopback and link-local targets (inside your own network).'}),
    'give-up-after': durationFlag({
      description: 'Stop retrying a delivery this long after its event (and show it as failed).',
      default: 3 * 24 * 3600 * 1000,
    }),
  }

  public async run(): Promise<{webhook: Webhook; secret?: string}> {
    const variable = this.flags['secret-from-env']
    const secret = variable === undefined ? undefined : process.env[variable]
    if (variable !== undefined && !secret) {
      throw new LabmeshError('USAGE', `the environment variable ${variable} is not set`, {subject: variable})
    }
    const added = await addWebhook(eventStoreOf(await this.backend()), {
      url: this.args.url,
      events: this.flags.events,
      secret,
      allowPrivate: this.flags['allow-private'],
      giveUpAfterMs: this.flags['give-up-after'],
    })
    if (!this.jsonEnabled()) {
      const lines = [`Webhook ${added.webhook.webhookId} sends ${added.webhook.events.join(', ')} to ${added.webhook.url}.`]
      if (added.secret) lines.push('Its signing secret, shown this once:', '', `  ${added.secret}`, '')
      lines.push(`Check the receiver with \`labmesh webhooks test ${added.webhook.webhookId}\`.`)
      this.log(lines.join('\n'))
    }
    return added
  }
}
