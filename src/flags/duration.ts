import {Flags} from '@oclif/core'

import {LabmeshError} from '../errors.js'

const UNIT_MS = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000} as const
type DurationUnit = keyof typeof UNIT_MS

/**
 * "168h", "7d", "90m", "30s", "2w", "2.5h" -> milliseconds. A bare number takes `bareUnit` when one is
 * given (so `--retention 168` keeps meaning hours), and is refused otherwise.
 */
export function parseDuration(text: string, options: {flag?: string; bareUnit?: DurationUnit} = {}): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])?$/i.exec(text.trim())
  const unit = (m?.[2]?.toLowerCase() ?? options.bareUnit) as DurationUnit | undefined
  if (!m || unit === undefined) {
    const name = options.flag ? `--${options.flag} ` : ''
    throw new LabmeshError('USAGE', `${name}"${text}" is not a duration`, {suggestions: ['a number and a unit: 30s, 90m, 168h, 7d, 2w']})
  }
  return Number(m[1]) * UNIT_MS[unit]
}

/** A flag that takes a duration ("168h", "7d", "90m") and parses to milliseconds. */
export const durationFlag = Flags.custom<number, {bareUnit?: DurationUnit}>({
  helpValue: 'DURATION',
  async parse(input, _context, options) {
    return parseDuration(input, {flag: options.name, bareUnit: options.bareUnit})
  },
})
