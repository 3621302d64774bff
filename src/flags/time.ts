import {Flags} from '@oclif/core'

import {LabmeshError} from '../errors.js'
import {parseTimeSpan} from '../search/values.js'
import {parseDuration} from './duration.js'

/**
 * The instant a time flag names: an ISO 8601 date or time names a span at its own precision
 * (2026-11-30 is that whole day, UTC unless a zone is given), and `--since` takes its start while
 * `--until` takes its end, as search's date spans do; a duration (36h, 7d) counts back from now.
 */
export function parseTimeBound(text: string, edge: 'start' | 'end', options: {flag?: string; now?: number} = {}): Date {
  const span = parseTimeSpan(text, {yearAlone: true})
  if (span) return new Date(edge === 'start' ? span.start : span.end)
  let ago: number | undefined
  try {
    ago = parseDuration(text)
  } catch {
    ago = undefined
  }
  if (ago !== undefined) return new Date((options.now ?? Date.now()) - ago)
  const name = options.flag ? `--${options.flag} ` : ''
  throw new LabmeshError('USAGE', `${name}"${text}" is not a time`, {
    suggestions: [
      'a date or time, UTC unless a zone is given: 2026-11-30, 2026-11, 2026-11-30T14:00:00+01:00',
      'a duration back from now: 36h, 7d, 2w',
    ],
  })
}

/** `--since`: from the start of the time named. */
export const sinceFlag = Flags.custom<Date>({
  helpValue: 'TIME',
  async parse(input, _context, options) {
    return parseTimeBound(input, 'start', {flag: options.name})
  },
})

/** `--until`: up to the end of the time named (a date includes that whole day). */
export const untilFlag = Flags.custom<Date>({
  helpValue: 'TIME',
  async parse(input, _context, options) {
    return parseTimeBound(input, 'end', {flag: options.name})
  },
})

// A date, optionally with a time and a zone.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/i

/** Whether `text` looks like a time (a date at least), as opposed to, say, a version number. */
export function looksLikeTime(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}/.test(text)
}

/**
 * An ISO 8601 date or time as an instant: `2024-05-01`, `2024-05-01T12:00`, `2024-05-01 12:00:30.5+02:00`.
 * UTC unless it names a zone. A day or hour that does not exist (2024-02-30, 24:00) is refused, not
 * rolled over into the next month or day.
 */
export function parseTime(text: string, options: {flag?: string} = {}): Date {
  const m = ISO_TIME.exec(text.trim())
  const [year, month, day, hour, minute, second] = (m?.slice(1, 7) ?? []).map((part) => Number(part ?? 0))
  const utc = m ? Date.UTC(year, month - 1, day, hour, minute, second) : Number.NaN
  const check = new Date(utc)
  const exists =
    m !== null &&
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === month - 1 &&
    check.getUTCDate() === day &&
    check.getUTCHours() === hour &&
    check.getUTCMinutes() === minute &&
    check.getUTCSeconds() === second
  const time = exists
    ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}${m[7] ?? ''}${m[8] ?? 'Z'}`)
    : NaN
  if (Number.isNaN(time)) {
    const name = options.flag ? `--${options.flag} ` : ''
    throw new LabmeshError('USAGE', `${name}"${text}" is not a date or time that exists`, {
      suggestions: ['2024-05-01, 2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00 (UTC unless a zone is given)'],
    })
  }
  return new Date(time)
}
