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
