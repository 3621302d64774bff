import type {TableVersion} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {looksLikeTime, parseTime} from '../flags/time.js'
import {parseTableRef} from '../lake/catalog/table-ref.js'

const PARAM_NAME = /^([A-Za-z_]\w*|\d+)$/

/** `--param name=value` flags as parameter values; values stay strings, which the engine casts where the SQL needs another type. */
export function parseParams(values: string[]): Record<string, string> {
  const params: Record<string, string> = {}
  for (const text of values) {
    const eq = text.indexOf('=')
    const name = eq === -1 ? text : text.slice(0, eq)
    if (eq === -1 || !PARAM_NAME.test(name)) {
      throw new LabmeshError('USAGE', `--param "${text}" is not name=value`, {suggestions: ['--param min_od=0.5 for $min_od in the SQL']})
    }
    if (name in params) throw new LabmeshError('USAGE', `--param ${name} is given twice`)
    params[name] = text.slice(eq + 1)
  }
  return params
}

/** A version number or a time (ISO 8601, UTC unless it names a zone) as the version of a table to read. */
export function parseTableVersion(text: string): TableVersion {
  if (/^\d+$/.test(text)) return {version: Number(text)}
  if (!looksLikeTime(text)) {
    throw new LabmeshError('USAGE', `"${text}" is neither a version number nor a time`, {
      suggestions: ['a version: 3', 'a time: 2024-05-01T12:00:00Z (UTC unless a zone is given)'],
    })
  }
  return {timestamp: parseTime(text)}
}

/** `--as-of table=version|time` flags, keyed by `database.table` (a bare name is in lab). */
export function parseAsOf(values: string[]): Record<string, TableVersion> {
  const asOf: Record<string, TableVersion> = {}
  for (const text of values) {
    const eq = text.indexOf('=')
    if (eq === -1)
      throw new LabmeshError('USAGE', `--as-of "${text}" names no table`, {
        suggestions: ['--as-of lab.plate_reader=3', '--as-of lab.files=2024-05-01T12:00:00Z'],
      })
    const ref = parseTableRef(text.slice(0, eq))
    const name = `${ref.database}.${ref.table}`
    if (name in asOf) throw new LabmeshError('USAGE', `--as-of ${name} is given twice`)
    asOf[name] = parseTableVersion(text.slice(eq + 1))
  }
  return asOf
}

/**
 * `--as-of` where one table is read: a bare version or time, or the `database.table=...` form
 * `query` takes, which must then name that table.
 */
export function parseAsOfOne(text: string, table: string): TableVersion {
  const eq = text.indexOf('=')
  if (eq === -1) return parseTableVersion(text)
  const named = parseTableRef(text.slice(0, eq))
  const wanted = parseTableRef(table)
  if (named.database !== wanted.database || named.table !== wanted.table) {
    throw new LabmeshError(
      'USAGE',
      `--as-of names ${named.database}.${named.table}, but the table read is ${wanted.database}.${wanted.table}`,
      {
        suggestions: [`--as-of ${text.slice(eq + 1)}`],
      },
    )
  }
  return parseTableVersion(text.slice(eq + 1))
}
