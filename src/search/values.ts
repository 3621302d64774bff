/**
 * Times and numbers as the query syntax writes them, and as stored values are read for
 * comparisons: both sides go through these functions, so `time>=2024-01-01` and a metadata
 * value "2024-01-01T09:30:00Z" agree on what they mean.
 */

/** A span of time in epoch milliseconds, end exclusive: "2024-03" is all of March 2024 (UTC). */
export interface TimeSpan {
  start: number
  end: number
}

const ISO_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/i

/**
 * An ISO 8601 date or date-time as the span it names, at its own precision: a year, a month,
 * a day, a minute, a second or a millisecond. Without a zone it is UTC. Undefined when the text
 * is not such a time (or names an impossible one, like 2024-02-30).
 */
export function parseTimeSpan(text: string, options: {yearAlone?: boolean} = {}): TimeSpan | undefined {
  const m = ISO_TIME.exec(text.trim())
  if (!m) return undefined
  const [, year, month, day, hour, minute, second, fraction, zone] = m
  if (month === undefined && !options.yearAlone) return undefined
  const y = Number(year)
  const mo = month === undefined ? 1 : Number(month)
  const d = day === undefined ? 1 : Number(day)
  const h = hour === undefined ? 0 : Number(hour)
  const mi = minute === undefined ? 0 : Number(minute)
  const s = second === undefined ? 0 : Number(second)
  const ms = fraction === undefined ? 0 : Math.floor(Number(fraction) * 1000)
  const local = Date.UTC(y, mo - 1, d, h, mi, s, ms)
  const check = new Date(local)
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return undefined
  const start = local - zoneOffsetMs(zone)
  let end: number
  if (month === undefined) end = Date.UTC(y + 1, 0, 1)
  else if (day === undefined) end = Date.UTC(y, mo, 1)
  else if (hour === undefined) end = local + 86_400_000
  else if (second === undefined) end = local + 60_000
  else if (fraction === undefined) end = local + 1000
  else end = local + 1
  return {start, end: end - zoneOffsetMs(zone)}
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0
  const sign = zone.startsWith('-') ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
}

const NUMBER = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)([a-z]*)$/i

/** Byte units for `size`: SI (KB = 1000 B) and binary (KiB = 1024 B), any case. */
const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
}

/**
 * A number, with a byte unit when `bytes` is set (`1.5MB`, `200KiB`). Undefined when the text is
 * not a number, or has a unit that does not apply.
 */
export function parseNumber(text: string, options: {bytes?: boolean} = {}): number | undefined {
  const m = NUMBER.exec(text.trim())
  if (!m) return undefined
  const [, digits, unit] = m
  if (unit === '') return Number(digits)
  const factor = options.bytes ? BYTE_UNITS[unit.toLowerCase()] : undefined
  return factor === undefined ? undefined : Number(digits) * factor
}
