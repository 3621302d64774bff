import type {Table, TableInput} from '@aws-sdk/client-glue'

import {LabmeshError} from '../../errors.js'
import {hiveType} from '../../lake/catalog/hive-types.js'
import type {Catalog, CatalogEntry, TableSchema} from '../types.js'
import type {GlueFacade} from './glue.js'

export interface GlueCatalogOptions {
  /** labmesh database `lab` is Glue database `<prefix>lab`. */
  databasePrefix: string
  /** Where managed tables live: `<lakeRoot>/<database>/<table>` (an s3:// URL). */
  lakeRoot: string
}

/** Glue (with Athena) keeps names in lower case; Athena reads only letters, digits and _. */
const GLUE_NAME = /^[a-z0-9_]+$/
const MAX_NAME = 255

const PARQUET = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: {
    SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    Parameters: {'serialization.format': '1'},
  },
}

/**
 * The catalog in the AWS Glue Data Catalog. Every table is an external Delta table that Athena
 * reads natively (`table_type=DELTA` and its location); its columns (Hive types) and partition
 * keys are kept in the StorageDescriptor too, for engines that read Glue's columns and for Lake
 * Formation column grants, and updated when a write adds columns.
 */
export function createGlueCatalog(glue: GlueFacade, options: GlueCatalogOptions): Catalog {
  const glueDatabase = (database: string): string => `${options.databasePrefix}${database}`

  const toEntry = (database: string, table: Table): CatalogEntry | undefined => {
    const parameters = table.Parameters ?? {}
    const location = table.StorageDescriptor?.Location
    if (parameters.table_type?.toUpperCase() !== 'DELTA' || !location || !table.Name) return undefined
    return {
      database,
      table: table.Name,
      location: location.replace(/\/+$/, ''),
      managed: parameters['labmesh.managed'] === 'true',
      registeredAt: parameters['labmesh.registered_at'] ?? table.CreateTime?.toISOString() ?? '',
    }
  }

  const tableInput = (entry: Omit<CatalogEntry, 'registeredAt'>, schema: TableSchema, registeredAt: string): TableInput => {
    const partitions = new Set(schema.partitionColumns)
    const columns = (keep: boolean) =>
      schema.columns.filter((c) => partitions.has(c.name) === keep).map((c) => ({Name: c.name, Type: hiveType(c.type)}))
    return {
      Name: entry.table,
      TableType: 'EXTERNAL_TABLE',
      Description: entry.managed ? 'Written by labmesh convert' : 'A Delta table registered with labmesh catalog register',
      Parameters: {
        table_type: 'DELTA',
        EXTERNAL: 'TRUE',
        'spark.sql.sources.provider': 'delta',
        'labmesh.managed': String(entry.managed),
        'labmesh.registered_at': registeredAt,
      },
      StorageDescriptor: {Location: entry.location, Columns: columns(false), ...PARQUET},
      PartitionKeys: columns(true),
    }
  }

  const catalog: Catalog = {
    async list(database) {
      const databases = database ? [glueDatabase(database)] : await glue.databases(options.databasePrefix)
      const entries: CatalogEntry[] = []
      for (const name of databases.sort()) {
        if (database && !(await glue.databaseExists(name))) continue
        const labmeshName = name.slice(options.databasePrefix.length)
        for (const table of await glue.tables(name)) {
          const entry = toEntry(labmeshName, table)
          if (entry) entries.push(entry)
        }
      }
      return entries.sort((a, b) => (a.database === b.database ? (a.table < b.table ? -1 : 1) : a.database < b.database ? -1 : 1))
    },

    async get(ref) {
      const table = await glue.table(glueDatabase(ref.database), ref.table)
      return table && toEntry(ref.database, table)
    },

    async register(entry, schema, registerOptions = {}) {
      catalog.checkNames(entry, schema)
      const database = glueDatabase(entry.database)
      await glue.ensureDatabase(database, `labmesh database ${entry.database}`)
      const registeredAt = new Date().toISOString()
      const input = tableInput(entry, schema, registeredAt)
      if (await glue.createTable(database, input)) return {...entry, registeredAt}
      const existing = await catalog.get(entry)
      if (existing && existing.location === entry.location && existing.managed === entry.managed) return existing
      if (!registerOptions.replace) {
        throw new LabmeshError(
          'CONFLICT',
          `${entry.database}.${entry.table} is registered already, at ${existing?.location ?? 'another location'}`,
          {
            subject: `${entry.database}.${entry.table}`,
            suggestions: ['pass --force to point it elsewhere'],
          },
        )
      }
      await glue.updateTable(database, input)
      return {...entry, registeredAt}
    },

    unregister: (ref) => glue.deleteTable(glueDatabase(ref.database), ref.table),

    async updateSchema(ref, schema) {
      const existing = await catalog.get(ref)
      if (!existing) throw new LabmeshError('NOT_FOUND', `no table ${ref.database}.${ref.table} in the Glue catalog`, {subject: ref.table})
      catalog.checkNames(ref, schema)
      await glue.updateTable(glueDatabase(ref.database), tableInput(existing, schema, existing.registeredAt))
    },

    checkNames(ref, schema) {
      const problem = (name: string, what: string): LabmeshError =>
        new LabmeshError(
          'INVALID_INPUT',
          `${what} "${name}" cannot be kept in the Glue catalog: use at most ${MAX_NAME} lower-case letters, digits and _`,
          {
            subject: `${ref.database}.${ref.table}`,
            suggestions: [
              `Glue lower-cases names and Athena reads only these characters; for example "${name.toLowerCase().replace(/[^a-z0-9_]+/g, '_')}"`,
            ],
          },
        )
      if (!GLUE_NAME.test(ref.database) || glueDatabase(ref.database).length > MAX_NAME) throw problem(ref.database, 'database')
      if (!GLUE_NAME.test(ref.table) || ref.table.length > MAX_NAME) throw problem(ref.table, 'table')
      for (const column of schema?.columns ?? []) {
        if (column.name !== column.name.toLowerCase() || column.name.length > MAX_NAME || column.name === '')
          throw problem(column.name, 'column')
      }
    },

    managedLocation(ref) {
      return `${options.lakeRoot}/${ref.database}/${ref.table}`
    },
  }
  return catalog
}
