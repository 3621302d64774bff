import type {TableInput} from '@aws-sdk/client-glue'

import {hiveType} from '../../lake/catalog/hive-types.js'
import {MANIFEST_DIR} from '../../lake/delta/manifest.js'
import {NULL_PARTITION_DIR_VALUE, partitionDirectory} from '../../lake/delta/paths.js'
import {LabmeshError} from '../../errors.js'
import type {WarehouseAccess} from '../types.js'
import type {SharedClientConfig} from './client-config.js'
import type {GlueFacade} from './glue.js'
import type {RedshiftDataFacade} from './redshift-data.js'
import {readSecretString} from './secrets.js'

/**
 * How Redshift Spectrum (and Presto or Hive) read a Delta table: a Hive table over its symlink
 * manifests, Parquet rows through SymlinkTextInputFormat, as the AWS and Delta docs describe it.
 */
const MANIFEST_FORMAT = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  SerdeInfo: {
    SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    Parameters: {'serialization.format': '1'},
  },
}

/**
 * Warehouse access on AWS. Manifest tables live in a Glue database of their own
 * (`<prefix><database>_manifest`), beside the native Delta tables Athena reads, because one Glue
 * table cannot be both: the external schema Redshift creates maps to this one.
 */
export function createWarehouseAccess(
  glue: GlueFacade,
  redshift: RedshiftDataFacade,
  options: {databasePrefix: string; config: SharedClientConfig},
): WarehouseAccess {
  const manifestDatabase = (database: string): string => `${options.databasePrefix}${database}_manifest`
  return {
    manifestDatabase,

    async registerManifestTable(entry, schema, partitions) {
      const database = manifestDatabase(entry.database)
      await glue.ensureDatabase(database, `labmesh database ${entry.database}: tables over their symlink manifests (Redshift Spectrum)`)
      const keys = new Set(schema.partitionColumns)
      const columns = (partition: boolean) =>
        schema.columns.filter((c) => keys.has(c.name) === partition).map((c) => ({Name: c.name, Type: hiveType(c.type)}))
      const manifests = `${entry.location.replace(/\/+$/, '')}/${MANIFEST_DIR}`
      const input: TableInput = {
        Name: entry.table,
        TableType: 'EXTERNAL_TABLE',
        Description: `The Delta table at ${entry.location}, read through its symlink manifests`,
        Parameters: {EXTERNAL: 'TRUE', 'labmesh.delta_location': entry.location},
        StorageDescriptor: {Location: `${manifests}/`, Columns: columns(false), ...MANIFEST_FORMAT},
        PartitionKeys: columns(true),
      }
      if (!(await glue.createTable(database, input))) await glue.updateTable(database, input)
      if (schema.partitionColumns.length === 0) return
      await glue.addPartitions(
        database,
        entry.table,
        partitions.map((values) => ({
          Values: schema.partitionColumns.map((c) => values[c] ?? NULL_PARTITION_DIR_VALUE),
          StorageDescriptor: {
            Location: `${manifests}/${partitionDirectory(schema.partitionColumns.map((c) => [c, values[c] ?? null]))}/`,
            Columns: columns(false),
            ...MANIFEST_FORMAT,
          },
        })),
      )
    },

    runRedshift: (target, sql) => redshift.run(target, sql),

    async readSecret(secretId) {
      const value = await readSecretString(options.config, secretId)
      if (!value) throw new LabmeshError('INVALID_DATA', `secret ${secretId} holds no string`, {subject: secretId})
      return value
    },
  }
}
