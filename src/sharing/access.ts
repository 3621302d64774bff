import type {TableRef} from '../backends/types.js'
import {quoteIdentifier} from '../lake/duckdb.js'
import type {Grant} from './grant.js'
import {matchesTags} from './tags.js'

/**
 * What a principal may read of one table, from the grants that apply to it: a grant on the
 * table, on every table of its database, or on a tag expression its tags match. Grants add up:
 * a cell is readable when some SELECT grant covers its column and its row.
 */
export type TableAccess = {select: 'all'} | {select: SelectPart[]} | {select: 'none'}

export interface SelectPart {
  columns?: string[]
  excludeColumns?: string[]
  rowFilter?: string
}

/** The principal's access to a table, or undefined when no grant touches it (the table does not exist for them). */
export function tableAccess(grants: Grant[], table: TableRef, tags: Map<string, string>): TableAccess | undefined {
  const applying = grants.filter((grant) => {
    const resource = grant.resource
    if (resource.kind === 'database') return false
    if (resource.kind === 'tags') return matchesTags(resource.expression, tags)
    return resource.database === table.database && (resource.table === '*' || resource.table === table.table)
  })
  if (applying.length === 0) return undefined
  const parts = applying
    .filter((g) => g.permissions.includes('SELECT'))
    .map(({columns, excludeColumns, rowFilter}): SelectPart => ({columns, excludeColumns, rowFilter}))
  if (parts.length === 0) return {select: 'none'}
  if (parts.some((p) => !p.columns && !p.excludeColumns && p.rowFilter === undefined)) return {select: 'all'}
  return {select: parts}
}

/**
 * The SELECT that shows `source` (a relation with `columns`, in order) as the parts allow: the
 * rows some part's filter admits, the columns some part covers, and a column that only some
 * parts cover is null on rows only the others admit. Filters are the administrator's SQL,
 * checked when granted (row-filter.ts); each stands on lines of its own so a trailing comment
 * ends with it. Undefined when the parts cover none of the columns.
 */
export function restrictedSelect(source: string, columns: string[], parts: SelectPart[]): string | undefined {
  const covers = (part: SelectPart, column: string): boolean =>
    part.columns ? part.columns.includes(column) : !(part.excludeColumns ?? []).includes(column)
  const condition = (chosen: SelectPart[]): string | undefined =>
    chosen.some((p) => p.rowFilter === undefined) ? undefined : chosen.map((p) => `(\n${p.rowFilter}\n)`).join(' OR ')
  const select: string[] = []
  for (const column of columns) {
    const covering = parts.filter((part) => covers(part, column))
    if (covering.length === 0) continue
    const when = covering.length === parts.length ? undefined : condition(covering)
    const name = quoteIdentifier(column)
    select.push(when === undefined ? name : `CASE WHEN ${when} THEN ${name} END AS ${name}`)
  }
  if (select.length === 0) return undefined
  const where = condition(parts)
  return `SELECT ${select.join(', ')} FROM (${source}) AS granted${where === undefined ? '' : ` WHERE ${where}`}`
}
