import {createHash} from 'node:crypto'
import type {DataCellsFilter, Permission as LfPermission, PrincipalResourcePermissions, Resource} from '@aws-sdk/client-lakeformation'

import {type Grant, type Permission, sortPermissions, TABLE_PERMISSIONS} from '../../sharing/grant.js'

/**
 * labmesh grants as Lake Formation resources and back. A table grant is a Table resource (or
 * TableWildcard for `db.*`); a column restriction is TableWithColumns (ColumnNames, or
 * ColumnWildcard.ExcludedColumnNames); a row filter is a data cells filter named from what it
 * holds (so the same restriction always finds the same filter) and granted as DataCellsFilter;
 * a tag grant is an LFTagPolicy on tables. Glue database names carry the profile's prefix.
 */
export interface LakeFormationNames {
  /** The Data Catalog's account id (CatalogId). */
  catalogId: string
  /** Prefix of Glue database names: database `lab` is `<prefix>lab` in Glue. */
  databasePrefix: string
}

/** Data cells filters labmesh creates have this prefix; only they are ever deleted. */
export const FILTER_PREFIX = 'labmesh_'

export function glueDatabase(names: LakeFormationNames, database: string): string {
  return `${names.databasePrefix}${database}`
}

/** The data cells filter that holds a grant's row filter (and column restriction), named by a hash of them. */
export function cellsFilterOf(grant: Grant, names: LakeFormationNames): DataCellsFilter | undefined {
  if (grant.rowFilter === undefined || grant.resource.kind !== 'table') return undefined
  const {database, table} = grant.resource
  const digest = createHash('sha256')
    .update(JSON.stringify([database, table, grant.rowFilter, grant.columns ?? null, grant.excludeColumns ?? null]))
    .digest('hex')
  return {
    TableCatalogId: names.catalogId,
    DatabaseName: glueDatabase(names, database),
    TableName: table,
    Name: `${FILTER_PREFIX}${digest.slice(0, 24)}`,
    RowFilter: {FilterExpression: grant.rowFilter},
    ...(grant.columns ? {ColumnNames: grant.columns} : {ColumnWildcard: {ExcludedColumnNames: grant.excludeColumns ?? []}}),
  }
}

export function lfResource(grant: Grant, names: LakeFormationNames): Resource {
  const resource = grant.resource
  const CatalogId = names.catalogId
  switch (resource.kind) {
    case 'database':
      return {Database: {CatalogId, Name: glueDatabase(names, resource.database)}}
    case 'tags':
      return {
        LFTagPolicy: {CatalogId, ResourceType: 'TABLE', Expression: resource.expression.map((t) => ({TagKey: t.key, TagValues: t.values}))},
      }
    case 'table': {
      const DatabaseName = glueDatabase(names, resource.database)
      const filter = cellsFilterOf(grant, names)
      if (filter) return {DataCellsFilter: {TableCatalogId: CatalogId, DatabaseName, TableName: resource.table, Name: filter.Name}}
      if (resource.table === '*') return {Table: {CatalogId, DatabaseName, TableWildcard: {}}}
      if (grant.columns) return {TableWithColumns: {CatalogId, DatabaseName, Name: resource.table, ColumnNames: grant.columns}}
      if (grant.excludeColumns)
        return {
          TableWithColumns: {CatalogId, DatabaseName, Name: resource.table, ColumnWildcard: {ExcludedColumnNames: grant.excludeColumns}},
        }
      return {Table: {CatalogId, DatabaseName, Name: resource.table}}
    }
  }
}

/**
 * A Lake Formation permission entry as labmesh grants (one per grant option), or none for what labmesh does not
 * manage: other catalogs' or unprefixed databases, data locations, LF-Tags themselves, the
 * IAM_ALLOWED_PRINCIPALS group, filters labmesh did not make. `filters` are the data cells
 * filters by `database.table.name` (Glue names).
 */
export function grantsOf(entry: PrincipalResourcePermissions, names: LakeFormationNames, filters: Map<string, DataCellsFilter>): Grant[] {
  const principal = entry.Principal?.DataLakePrincipalIdentifier
  const granted = permissionsOf(entry.Permissions ?? [])
  const withOption = permissionsOf(entry.PermissionsWithGrantOption ?? [])
  const target = principal && principal !== 'IAM_ALLOWED_PRINCIPALS' ? targetOf(entry.Resource, names, filters) : undefined
  if (!target) return []
  return [false, true].flatMap((grantable) => {
    const permissions = granted.filter((p) => withOption.includes(p) === grantable)
    return permissions.length > 0 ? [{principal: principal!, ...target, permissions, grantable}] : []
  })
}

type Target = Omit<Grant, 'principal' | 'permissions' | 'grantable'>

function targetOf(resource: Resource | undefined, names: LakeFormationNames, filters: Map<string, DataCellsFilter>): Target | undefined {
  if (!resource) return undefined
  const database = (glue: string | undefined): string | undefined =>
    glue?.startsWith(names.databasePrefix) ? glue.slice(names.databasePrefix.length) : undefined
  if (resource.Database) {
    const db = database(resource.Database.Name)
    return db === undefined ? undefined : {resource: {kind: 'database', database: db}}
  }
  if (resource.Table) {
    const db = database(resource.Table.DatabaseName)
    const table = resource.Table.TableWildcard ? '*' : resource.Table.Name
    return db === undefined || table === undefined ? undefined : {resource: {kind: 'table', database: db, table}}
  }
  if (resource.TableWithColumns) {
    const {DatabaseName, Name, ColumnNames, ColumnWildcard} = resource.TableWithColumns
    const db = database(DatabaseName)
    if (db === undefined || Name === undefined) return undefined
    const excluded = ColumnWildcard?.ExcludedColumnNames ?? []
    // A whole-table SELECT is listed as TableWithColumns with an empty ColumnWildcard.
    const restriction = ColumnNames ? {columns: [...ColumnNames].sort()} : excluded.length > 0 ? {excludeColumns: [...excluded].sort()} : {}
    return {resource: {kind: 'table', database: db, table: Name}, ...restriction}
  }
  if (resource.DataCellsFilter) {
    const {DatabaseName, TableName, Name} = resource.DataCellsFilter
    const db = database(DatabaseName)
    const filter = filters.get(`${DatabaseName}.${TableName}.${Name}`)
    if (db === undefined || TableName === undefined || !filter || !Name?.startsWith(FILTER_PREFIX)) return undefined
    const excluded = filter.ColumnWildcard?.ExcludedColumnNames ?? []
    return {
      resource: {kind: 'table', database: db, table: TableName},
      ...(filter.ColumnNames
        ? {columns: [...filter.ColumnNames].sort()}
        : excluded.length > 0
          ? {excludeColumns: [...excluded].sort()}
          : {}),
      ...(filter.RowFilter?.FilterExpression ? {rowFilter: filter.RowFilter.FilterExpression} : {}),
    }
  }
  if (resource.LFTagPolicy?.ResourceType === 'TABLE' && resource.LFTagPolicy.Expression) {
    const expression = resource.LFTagPolicy.Expression.map((t) => ({key: t.TagKey ?? '', values: [...(t.TagValues ?? [])].sort()}))
    return {resource: {kind: 'tags', expression: expression.sort((a, b) => (a.key < b.key ? -1 : 1))}}
  }
  return undefined
}

/** Lake Formation's permissions as labmesh's; ALL stands for every table permission. */
function permissionsOf(permissions: LfPermission[]): Permission[] {
  const known: readonly string[] = [...TABLE_PERMISSIONS, 'CREATE_TABLE']
  return sortPermissions(permissions.flatMap((p) => (p === 'ALL' ? [...TABLE_PERMISSIONS] : known.includes(p) ? [p as Permission] : [])))
}
