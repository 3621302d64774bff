import {Flags} from '@oclif/core'

import {LabmeshError} from '../errors.js'

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

/** A flag that takes an ISO 8601 date or time and parses to an ISO 8601 instant in UTC. */
export const timeFlag = Flags.custom<string>({
  helpValue: 'TIME',
  async parse(input) {
    return parseTime(input).toISOString()
  },
})
