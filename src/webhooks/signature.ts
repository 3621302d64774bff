import {createHmac, timingSafeEqual} from 'node:crypto'

/**
 * The `Labmesh-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp is signed with the body, so a receiver that rejects old timestamps also rejects
 * replays; docs/webhooks.md shows the check in a few lines.
 */
export const SIGNATURE_HEADER = 'Labmesh-Signature'

/**
 * Signs with each secret given: after `webhooks rotate`, the new secret and, for its grace
 * period, the previous one, each as a `v1=` of its own (a receiver accepts any that verifies).
 */
export function signPayload(secrets: string | string[], body: string, at: Date = new Date()): string {
  const t = Math.floor(at.getTime() / 1000)
  const signatures = [secrets].flat().map((secret) => `v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`)
  return [`t=${t}`, ...signatures].join(',')
}

/** A receiver's check: one of the signatures matches and the timestamp is at most `toleranceSeconds` old (or ahead). */
export function verifySignature(
  secret: string,
  body: string,
  header: string,
  options: {toleranceSeconds?: number; now?: Date} = {},
): boolean {
  const parts = header.split(',').map((part) => part.trim().split('=', 2) as [string, string])
  const t = Number(parts.find(([name]) => name === 't')?.[1])
  const signatures = parts.filter(([name, value]) => name === 'v1' && /^[0-9a-f]{64}$/.test(value)).map(([, value]) => value)
  if (!Number.isInteger(t) || signatures.length === 0) return false
  const now = (options.now ?? new Date()).getTime() / 1000
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest()
  return signatures.some((v1) => timingSafeEqual(expected, Buffer.from(v1, 'hex')))
}
