import type {QueryValue} from '../types.js'

/**
 * Athena's result values (strings in GetQueryResults and in the result CSV) as QueryValues,
 * typed by the column's type from the result metadata, in the encoding the local engine uses:
 * integers as numbers (as strings beyond 2^53), non-finite floats as null, times as ISO 8601
 * (UTC with Z for `timestamp with time zone`), bytes as base64, JSON as its value. Arrays, maps
 * and rows keep Athena's own rendering (`[a, b]`, `{k=v}`), which JSON cannot read back.
 */

const INTEGER = /^(tinyint|smallint|integer|int|bigint)$/
const FLOAT = /^(real|float|double|decimal)/

export type AthenaValueConverter = (text: string | null) => QueryValue

export function athenaConverter(type: string): AthenaValueConverter {
  const t = type.toLowerCase().trim()
  if (t === 'boolean') return (text) => (text === null || text === '' ? null : text === 'true')
  if (INTEGER.test(t)) return (text) => (text === null || text === '' ? null : integer(text))
  if (FLOAT.test(t)) return (text) => (text === null || text === '' ? null : finite(Number(text)))
  if (t === 'timestamp with time zone') return (text) => (text === null ? null : isoTimestamp(text, true))
  if (t.startsWith('timestamp')) return (text) => (text === null ? null : isoTimestamp(text, false))
  if (t === 'varbinary') return (text) => (text === null ? null : Buffer.from(text.replace(/\s+/g, ''), 'hex').toString('base64'))
  if (t === 'json') return (text) => (text === null ? null : parseJson(text))
  return (text) => text
}

function integer(text: string): number | string {
  const number = Number(text)
  return Number.isSafeInteger(number) ? number : text
}

function finite(number: number): number | null {
  return Number.isFinite(number) ? number : null
}

/** `2024-01-02 03:04:05.123` -> `2024-01-02T03:04:05.123000` (six fraction digits, as DuckDB writes them); a UTC zone -> Z. */
export function isoTimestamp(text: string, zoned: boolean): string {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:\s*(.+))?$/.exec(text.trim())
  if (!match) return text
  const [, date, time, fraction = '', zone] = match
  const base = `${date}T${time}.${fraction.padEnd(6, '0').slice(0, 6)}`
  if (!zoned) return base
  return zone === undefined || /^(UTC|Z|\+00:00|Etc\/UTC)$/i.test(zone) ? `${base}Z` : text
}

function parseJson(text: string): QueryValue {
  try {
    return JSON.parse(text) as QueryValue
  } catch {
    return text
  }
}
