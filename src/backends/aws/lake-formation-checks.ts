import {GetTableCommand, type GlueClient, type Table} from '@aws-sdk/client-glue'

import {LabmeshError, toLabmeshError} from '../../errors.js'
import {duckdbTypeOfHive} from '../../lake/catalog/hive-types.js'
import {quoteIdentifier} from '../../lake/duckdb.js'
import {formatResource, type Grant} from '../../sharing/grant.js'
import {checkRowFilter} from '../../sharing/row-filter.js'
import {unknownColumn} from '../../sharing/share.js'
import {isNamed, lakeFormationCall} from './lake-formation-errors.js'
import {glueDatabase, type LakeFormationNames} from './lake-formation-resources.js'

/**
 * Why Lake Formation should not be asked for a grant's column restriction or row filter: the
 * table is not in the Glue catalog, a column is not among its columns (partition keys included),
 * or the filter is no condition over them (checked with DuckDB against an empty relation of the
 * table's column types). Lake Formation's own errors for these come back per entry and name
 * neither the column nor the filter. Each table is read from Glue once per checker.
 */
export function glueGrantChecker(glue: GlueClient, names: LakeFormationNames): (grant: Grant) => Promise<LabmeshError | undefined> {
  const tables = new Map<string, Promise<Table | undefined>>()
  const tableOf = (database: string, table: string): Promise<Table | undefined> => {
    const name = `${database}.${table}`
    const action = {what: `read the columns of ${name} from the Glue catalog`, needs: `DESCRIBE on ${name}`, iamAction: 'glue:GetTable'}
    if (!tables.has(name))
      tables.set(
        name,
        lakeFormationCall(action, () =>
          glue.send(new GetTableCommand({CatalogId: names.catalogId, DatabaseName: glueDatabase(names, database), Name: table})),
        ).then((output) => output.Table),
      )
    return tables.get(name)!
  }
  return async (grant) => {
    const resource = grant.resource
    const restricted = grant.columns !== undefined || grant.excludeColumns !== undefined || grant.rowFilter !== undefined
    if (!restricted || resource.kind !== 'table' || resource.table === '*') return undefined
    const name = formatResource(resource)
    try {
      const table = await tableOf(resource.database, resource.table)
      const columns = [...(table?.StorageDescriptor?.Columns ?? []), ...(table?.PartitionKeys ?? [])]
      const unknown = unknownColumn(
        grant,
        name,
        columns.map((c) => c.Name ?? ''),
      )
      if (unknown || grant.rowFilter === undefined) return unknown
      const relation = `SELECT ${columns.map((c) => `CAST(NULL AS ${duckdbTypeOfHive(c.Type ?? 'string')}) AS ${quoteIdentifier(c.Name ?? '')}`).join(', ')}`
      await checkRowFilter(grant.rowFilter, name, relation)
      return undefined
    } catch (error) {
      if (isNamed(error, 'EntityNotFoundException'))
        return new LabmeshError('NOT_FOUND', `there is no table ${name} in the Glue catalog`, {
          subject: name,
          suggestions: ['see the tables with `labmesh catalog list`'],
        })
      return toLabmeshError(error)
    }
  }
}
