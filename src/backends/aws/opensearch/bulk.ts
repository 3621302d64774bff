import {setTimeout as sleep} from 'node:timers/promises'

import {LabmeshError} from '../../../errors.js'
import {isRetryable, openSearchError, statusOf} from './client.js'
import type {IndexDocument} from './index-document.js'

export type BulkAction = {id: string; document: IndexDocument} | {id: string; document: null}

export interface BulkOutcome {
  written: number
  /** Refused for good (a mapping error...): retrying the same document would be refused again. */
  rejected: {fileId: string; status: number; reason: string}[]
  /** Still throttled or failing after every attempt: to be sent again later. */
  deferred: string[]
}

/** Sends a body and returns OpenSearch's answer: `{errors, items}` of the _bulk API. */
export type SendBulk = (lines: unknown[]) => Promise<BulkResponse>

export interface BulkResponse {
  errors: boolean
  items: Record<string, {_id?: string; status: number; error?: {type?: string; reason?: string}}>[]
}

export interface BulkOptions {
  /** Attempts per action, the first included. */
  attempts?: number
  /** The first pause; each next one doubles, with jitter. */
  baseDelayMs?: number
  /** Largest request body: OpenSearch domains refuse bodies past their instance's limit (10 MiB at the smallest). */
  maxBytes?: number
}

/**
 * Writes documents (or deletes them, for a null document) with the _bulk API. A whole request
 * refused with 429 or 5xx (or lost) is sent again after a backoff; so are the items a request
 * answers with 429 or 5xx, alone. Items refused otherwise are reported, never retried. A delete
 * answered 404 is done: the document was already gone.
 */
export async function bulkWrite(send: SendBulk, actions: BulkAction[], options: BulkOptions = {}): Promise<BulkOutcome> {
  const attempts = options.attempts ?? 6
  const base = options.baseDelayMs ?? 250
  const outcome: BulkOutcome = {written: 0, rejected: [], deferred: []}
  for (const chunk of chunks(actions, options.maxBytes ?? 8 * 1024 * 1024)) {
    let pending = chunk
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(base * 2 ** (attempt - 2) * (0.5 + Math.random() / 2))
      const last = attempt === attempts
      let response: BulkResponse
      try {
        response = await send(pending.flatMap(lines))
      } catch (error) {
        if (!isRetryable(statusOf(error))) throw openSearchError(error, 'bulk write')
        if (last) {
          outcome.deferred.push(...pending.map((a) => a.id))
          break
        }
        continue
      }
      if (response.items.length !== pending.length) {
        throw new LabmeshError('BACKEND', `OpenSearch bulk write answered ${response.items.length} items for ${pending.length} actions`)
      }
      const retry: BulkAction[] = []
      response.items.forEach((item, i) => {
        const result = Object.values(item)[0]
        const action = pending[i]
        if ((result.status >= 200 && result.status < 300) || (action.document === null && result.status === 404)) outcome.written++
        else if (isRetryable(result.status)) retry.push(action)
        else
          outcome.rejected.push({
            fileId: action.id,
            status: result.status,
            reason: result.error?.reason ?? result.error?.type ?? `status ${result.status}`,
          })
      })
      if (last) {
        outcome.deferred.push(...retry.map((a) => a.id))
        break
      }
      pending = retry
    }
  }
  return outcome
}

function lines(action: BulkAction): unknown[] {
  return action.document === null ? [{delete: {_id: action.id}}] : [{index: {_id: action.id}}, action.document]
}

/** Actions in requests of at most `maxBytes` of NDJSON (one action alone may pass it). */
function* chunks(actions: BulkAction[], maxBytes: number): Generator<BulkAction[]> {
  let chunk: BulkAction[] = []
  let bytes = 0
  for (const action of actions) {
    const size = lines(action).reduce<number>((n, line) => n + Buffer.byteLength(JSON.stringify(line)) + 1, 0)
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk
      chunk = []
      bytes = 0
    }
    chunk.push(action)
    bytes += size
  }
  if (chunk.length > 0) yield chunk
}
