import type {ErrorCode} from '../errors.js'

/** The longest wait between two attempts at one file. */
const MAX_DELAY_MS = 3_600_000

/** Exponential backoff: `baseMs` after the first failure, doubling each time, at most an hour. */
export function retryDelay(attempts: number, baseMs: number): number {
  return Math.min(MAX_DELAY_MS, baseMs * 2 ** Math.max(0, attempts - 1))
}

/**
 * Failures of a service rather than of the file (unreachable, throttled, credentials expired): the
 * file is fine, so they do not use up its attempts; it waits for the service like the others.
 */
export function isServiceFailure(code: ErrorCode | string): boolean {
  return code === 'BACKEND' || code === 'UNAUTHORIZED' || code === 'FORBIDDEN'
}
