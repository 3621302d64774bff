import {LabmeshError} from '../errors.js'
import {parsePrincipal} from './principal.js'
import {type TagExpression, formatTagExpression, normalizeTagExpression} from './tags.js'

/**
 * A grant: a principal, a resource, permissions, and for SELECT an optional restriction to
 * columns and rows. The same shape is stored locally, written in shares files, and mapped to
 * Lake Formation (lake-formation.ts).
 */

export const TABLE_PERMISSIONS = ['SELECT', 'DESCRIBE', 'ALTER', 'INSERT', 'DELETE', 'DROP'] as const
export const DATABASE_PERMISSIONS = ['DESCRIBE', 'ALTER', 'DROP', 'CREATE_TABLE'] as const
export type Permission = (typeof TABLE_PERMISSIONS)[number] | (typeof DATABASE_PERMISSIONS)[number]
export const PERMISSIONS: readonly Permission[] = [...new Set<Permission>([...TABLE_PERMISSIONS, ...DATABASE_PERMISSIONS])]

/** What a grant is on: a database, a table (`*`: every table of the database, now and later), or the tables carrying tags. */
export type GrantResource =
  {kind: 'database'; database: string} | {kind: 'table'; database: string; table: string} | {kind: 'tags'; expression: TagExpression}

export interface Grant {
  principal: string
  resource: GrantResource
  /** Sorted, no repeats. */
  permissions: Permission[]
  /** The principal may grant these permissions on to others. */
  grantable: boolean
  /** SELECT of these columns only. */
  columns?: string[]
  /** SELECT of every column but these. */
  excludeColumns?: string[]
  /** SELECT of the rows where this SQL condition on the table's own columns holds. */
  rowFilter?: string
}

const NAME = /^[A-Za-z_][\w-]*$/

/** `lab`, `lab.plate_reader` or `lab.*` as a resource. */
export function parseResource(text: string): GrantResource {
  const parts = text.trim().split('.')
  const bad = (): LabmeshError =>
    new LabmeshError('USAGE', `"${text}" is not a database or table: write database, database.table or database.*`, {
      subject: text,
      suggestions: ['lab.plate_reader_measurement', 'lab.*', 'lab'],
    })
  if (parts.length > 2 || !NAME.test(parts[0])) throw bad()
  if (parts.length === 1) return {kind: 'database', database: parts[0]}
  if (parts[1] !== '*' && !NAME.test(parts[1])) throw bad()
  return {kind: 'table', database: parts[0], table: parts[1]}
}

export function formatResource(resource: GrantResource): string {
  switch (resource.kind) {
    case 'database':
      return resource.database
    case 'table':
      return `${resource.database}.${resource.table}`
    case 'tags':
      return `tables tagged ${formatTagExpression(resource.expression)}`
  }
}

/** Permissions from `SELECT,describe` or a list; USAGE naming the unknown ones. */
export function parsePermissions(items: string[]): Permission[] {
  const wanted = items.flatMap((item) => item.split(',')).map((p) => p.trim().toUpperCase())
  const unknown = wanted.filter((p) => !(PERMISSIONS as readonly string[]).includes(p))
  if (unknown.length > 0)
    throw new LabmeshError('INVALID_INPUT', `unknown permission ${unknown.join(', ')}: use ${PERMISSIONS.join(', ')}`, {
      subject: unknown[0],
    })
  return sortPermissions(wanted as Permission[])
}

export function sortPermissions(permissions: Permission[]): Permission[] {
  return [...new Set(permissions)].sort((a, b) => PERMISSIONS.indexOf(a) - PERMISSIONS.indexOf(b))
}

/**
 * A grant in canonical form (sorted lists, no empty options), or INVALID_INPUT saying which
 * rule it breaks. Column and row restrictions are SELECT's alone, as in Lake Formation, so a
 * restricted grant carries SELECT and nothing else.
 */
export function normalizeGrant(grant: Grant): Grant {
  const principal = parsePrincipal(grant.principal).id
  const resource =
    grant.resource.kind === 'tags' ? {kind: 'tags' as const, expression: normalizeTagExpression(grant.resource.expression)} : grant.resource
  const where = `the grant to ${principal} on ${formatResource(resource)}`
  if (grant.permissions.length === 0) throw new LabmeshError('INVALID_INPUT', `${where} has no permissions`)
  const permissions = sortPermissions(grant.permissions)
  const allowed: readonly string[] = resource.kind === 'database' ? DATABASE_PERMISSIONS : TABLE_PERMISSIONS
  const wrong = permissions.filter((p) => !allowed.includes(p))
  if (wrong.length > 0)
    throw new LabmeshError(
      'INVALID_INPUT',
      `${where}: ${wrong.join(', ')} cannot be granted on a ${resource.kind === 'database' ? 'database' : 'table'}`,
      {
        suggestions: [`use ${allowed.join(', ')}`],
      },
    )
  const columns = grant.columns && grant.columns.length > 0 ? [...new Set(grant.columns)].sort() : undefined
  const excludeColumns = grant.excludeColumns && grant.excludeColumns.length > 0 ? [...new Set(grant.excludeColumns)].sort() : undefined
  const rowFilter = grant.rowFilter?.trim() ? grant.rowFilter.trim() : undefined
  for (const column of [...(columns ?? []), ...(excludeColumns ?? [])]) {
    if (!NAME.test(column)) throw new LabmeshError('INVALID_INPUT', `${where}: "${column}" is not a column name`, {subject: column})
  }
  if (columns && excludeColumns) throw new LabmeshError('INVALID_INPUT', `${where}: give columns or exclude columns, not both`)
  const restricted = columns !== undefined || excludeColumns !== undefined || rowFilter !== undefined
  if (restricted) {
    if (resource.kind !== 'table' || resource.table === '*')
      throw new LabmeshError('INVALID_INPUT', `${where}: columns and row filters restrict one table; name it as database.table`)
    if (permissions.some((p) => p !== 'SELECT'))
      throw new LabmeshError('INVALID_INPUT', `${where}: columns and row filters restrict SELECT only`, {
        suggestions: ['grant the other permissions in a grant of their own'],
      })
  }
  return {
    principal,
    resource,
    permissions,
    grantable: grant.grantable,
    ...(columns ? {columns} : {}),
    ...(excludeColumns ? {excludeColumns} : {}),
    ...(rowFilter ? {rowFilter} : {}),
  }
}

/** Identifies what a grant is on, whatever its permissions: principal, resource and restriction. */
export function grantKey(grant: Grant): string {
  return JSON.stringify([grant.principal, resourceKey(grant.resource), restrictionKey(grant)])
}

export function resourceKey(resource: GrantResource): string {
  switch (resource.kind) {
    case 'database':
      return JSON.stringify(['database', resource.database])
    case 'table':
      return JSON.stringify(['table', resource.database, resource.table])
    case 'tags':
      return JSON.stringify(['tags', resource.expression.map((t) => [t.key, t.values])])
  }
}

/** The resource a `resourceKey` names. */
export function resourceFromKey(key: string): GrantResource {
  const [kind, ...rest] = JSON.parse(key) as [string, ...unknown[]]
  if (kind === 'database') return {kind, database: rest[0] as string}
  if (kind === 'table') return {kind, database: rest[0] as string, table: rest[1] as string}
  return {kind: 'tags', expression: (rest[0] as [string, string[]][]).map(([key, values]) => ({key, values}))}
}

/** The restriction a `restrictionKey` names. */
export function restrictionFromKey(key: string): Pick<Grant, 'columns' | 'excludeColumns' | 'rowFilter'> {
  if (key === '') return {}
  const [columns, excludeColumns, rowFilter] = JSON.parse(key) as [string[] | null, string[] | null, string | null]
  return {...(columns ? {columns} : {}), ...(excludeColumns ? {excludeColumns} : {}), ...(rowFilter === null ? {} : {rowFilter})}
}

export function restrictionKey(grant: Pick<Grant, 'columns' | 'excludeColumns' | 'rowFilter'>): string {
  if (!grant.columns && !grant.excludeColumns && grant.rowFilter === undefined) return ''
  return JSON.stringify([grant.columns ?? null, grant.excludeColumns ?? null, grant.rowFilter ?? null])
}

/** The restriction of a grant as people read it: `columns a, b; rows where site = 'boston'`. */
export function formatRestriction(grant: Grant): string {
  const parts = []
  if (grant.columns) parts.push(`columns ${grant.columns.join(', ')}`)
  if (grant.excludeColumns) parts.push(`all columns but ${grant.excludeColumns.join(', ')}`)
  if (grant.rowFilter) parts.push(`rows where ${grant.rowFilter}`)
  return parts.join('; ')
}

/** One line for a grant: `bob: SELECT on lab.t (columns a, b) [grantable]`. */
export function formatGrant(grant: Grant): string {
  const restriction = formatRestriction(grant)
  return `${grant.principal}: ${grant.permissions.join(', ')} on ${formatResource(grant.resource)}${restriction ? ` (${restriction})` : ''}${grant.grantable ? ' [grantable]' : ''}`
}
