import {createHmac, timingSafeEqual} from 'node:crypto'

/**
 * The `Labmesh-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp is signed with the body, so a receiver that rejects old timestamps also rejects
 * replays; docs/webhooks.md shows the check in a few lines.
 */
export const SIGNATURE_HEADER = 'Labmesh-Signature'

export function signPayload(secret: string, body: string, at: Date = new Date()): string {
  const t = Math.floor(at.getTime() / 1000)
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`
}

/** A receiver's check: the signature matches and its timestamp is at most `toleranceSeconds` old (or ahead). */
export function verifySignature(
  secret: string,
  body: string,
  header: string,
  options: {toleranceSeconds?: number; now?: Date} = {},
): boolean {
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]))
  const t = Number(parts.get('t'))
  const v1 = parts.get('v1') ?? ''
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return false
  const now = (options.now ?? new Date()).getTime() / 1000
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest()
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'))
}
