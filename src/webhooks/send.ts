import http from 'node:http'
import https from 'node:https'

import type {LabEvent, SigningWebhook} from '../backends/types.js'
import {toLabmeshError} from '../errors.js'
import {LABMESH_VERSION} from '../version.js'
import {signPayload, SIGNATURE_HEADER} from './signature.js'
import {checkWebhookUrl, guardedLookup} from './target.js'

/** What a receiver gets: the same bytes on every attempt, so `id` identifies a delivery across retries. */
export function deliveryBody(deliveryId: string, event: LabEvent): string {
  return JSON.stringify({id: deliveryId, type: event.type, createdAt: event.at, eventId: event.eventId, data: event.data})
}

/** The secrets a webhook's deliveries are signed with, newest first. */
export const signingSecrets = (webhook: SigningWebhook): string[] =>
  webhook.previousSecret === undefined ? [webhook.secret] : [webhook.secret, webhook.previousSecret]

export interface SendResult {
  ok: boolean
  /** The receiver's HTTP status; null when there was no answer. */
  status: number | null
  error: string | null
}

export interface SendOptions {
  url: string
  /** The signing secrets: the webhook's, and during a rotation's grace period the previous one too. */
  secrets: string[]
  body: string
  deliveryId: string
  type: string
  allowPrivate: boolean
  timeoutMs: number
  signal?: AbortSignal
}

/**
 * POSTs one signed delivery. A 2xx answer delivers it; anything else (another status, a
 * redirect, which is not followed, a timeout, a refused address) is a failed attempt with why.
 */
export async function sendDelivery(options: SendOptions): Promise<SendResult> {
  let url: URL
  try {
    url = checkWebhookUrl(options.url, options.allowPrivate)
  } catch (error) {
    return {ok: false, status: null, error: toLabmeshError(error).message}
  }
  const client = url.protocol === 'https:' ? https : http
  return new Promise((resolve) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(options.allowPrivate),
        timeout: options.timeoutMs,
        signal: options.signal,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(options.body),
          'user-agent': `labmesh/${LABMESH_VERSION}`,
          [SIGNATURE_HEADER]: signPayload(options.secrets, options.body),
          'Labmesh-Delivery': options.deliveryId,
          'Labmesh-Event': options.type,
        },
      },
      (response) => {
        const status = response.statusCode ?? 0
        // The receiver's answer is not needed: drain it so the socket is freed, but never keep much of it.
        response.resume()
        response.on('end', () =>
          resolve(
            status >= 200 && status < 300
              ? {ok: true, status, error: null}
              : {ok: false, status, error: `the receiver answered HTTP ${status}`},
          ),
        )
        response.on('error', (error) => resolve({ok: false, status, error: error.message}))
      },
    )
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)))
    request.on('error', (error) => resolve({ok: false, status: null, error: toLabmeshError(error).message}))
    request.end(options.body)
  })
}
