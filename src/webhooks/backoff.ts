/**
 * When to try a failed delivery again: exponential backoff (30 s, 1 min, 2 min ... up to 1 h)
 * with "full jitter" in the upper half, so receivers that come back are not hit by every sender
 * at the same instant.
 */
export const RETRY_BASE_MS = 30_000
export const RETRY_MAX_MS = 3_600_000

export function retryDelay(attempts: number, random: () => number = Math.random, baseMs = RETRY_BASE_MS): number {
  const ceiling = Math.min(RETRY_MAX_MS, baseMs * 2 ** Math.max(0, attempts - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}
