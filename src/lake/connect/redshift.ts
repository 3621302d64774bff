import type {Backend, RedshiftTarget} from '../../backends/types.js'
import type {WarehouseConnection} from '../../config/profiles.js'
import {LabmeshError, toLabmeshError} from '../../errors.js'
import {manifestsEnabled, SYMLINK_MANIFEST_PROPERTY} from '../delta/manifest.js'
import {DeltaTable} from '../delta/table.js'

export interface RedshiftConnectRequest {
  target: RedshiftTarget
  /** The external schema to create in Redshift. */
  schema: string
  /** The labmesh database whose tables it exposes. */
  lakeDatabase: string
  /** The role Redshift assumes to read Glue and S3; else the warehouse's default role. */
  iamRole?: string
  dryRun: boolean
}

export interface ExposedTable {
  table: string
  partitions: number
  /** Whether the table already kept manifests (else connecting turned it on). */
  manifestsWereEnabled: boolean
}

export interface RedshiftConnectResult {
  connection: WarehouseConnection
  /** The SQL run in Redshift (only shown with dryRun). */
  statements: string[]
  tables: ExposedTable[]
  /** Tables that could not be exposed, and why; the others are. */
  failed: Array<{table: string; code: string; message: string}>
  dryRun: boolean
}

const REDSHIFT_NAME = /^[a-z_][a-z0-9_$]{0,126}$/
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/

/** CREATE EXTERNAL SCHEMA over the Glue database of manifest tables (Redshift Spectrum). */
export function externalSchemaSql(schema: string, catalogDatabase: string, iamRole?: string): string {
  if (!REDSHIFT_NAME.test(schema))
    throw new LabmeshError('INVALID_INPUT', `"${schema}" cannot name a Redshift schema: use lower-case letters, digits, _ and $`, {
      subject: schema,
    })
  if (iamRole !== undefined && !ROLE_ARN.test(iamRole))
    throw new LabmeshError('INVALID_INPUT', `"${iamRole}" is not an IAM role ARN`, {
      subject: iamRole,
      suggestions: ['e.g. arn:aws:iam::123456789012:role/labmesh-spectrum; leave --iam-role out to use the warehouse default role'],
    })
  // DDL takes no bind parameters: the names are checked above, and Glue database names are [a-z0-9_].
  return `CREATE EXTERNAL SCHEMA IF NOT EXISTS "${schema}" FROM DATA CATALOG DATABASE '${catalogDatabase}' IAM_ROLE ${iamRole ? `'${iamRole}'` : 'default'}`
}

/**
 * Exposes a labmesh database to Redshift Spectrum: each Delta table keeps symlink manifests (the
 * table property, so every later commit keeps them current), is registered over them in the
 * manifest Glue database, and one external schema in Redshift maps to that database. Idempotent:
 * connecting again updates tables and adds new partitions. With dryRun nothing is changed.
 */
export async function connectRedshift(backend: Backend, request: RedshiftConnectRequest): Promise<RedshiftConnectResult> {
  const warehouse = backend.warehouse
  if (!warehouse)
    throw new LabmeshError(
      'UNSUPPORTED',
      `the ${backend.name} backend cannot connect warehouses: Redshift reads tables through Glue and S3`,
      {
        suggestions: ['use an aws profile (`labmesh init --backend aws`)'],
      },
    )
  const catalogDatabase = warehouse.manifestDatabase(request.lakeDatabase)
  const statement = externalSchemaSql(request.schema, catalogDatabase, request.iamRole)
  const entries = await backend.catalog.list(request.lakeDatabase)
  if (entries.length === 0)
    throw new LabmeshError('NOT_FOUND', `database ${request.lakeDatabase} has no tables to expose`, {
      subject: request.lakeDatabase,
      suggestions: ['run `labmesh convert` first, or `labmesh catalog list` to see the databases'],
    })

  const tables: ExposedTable[] = []
  const failed: RedshiftConnectResult['failed'] = []
  for (const entry of entries) {
    const name = `${entry.database}.${entry.table}`
    try {
      const table = new DeltaTable(backend.lakeStorage(entry.location))
      const before = await table.snapshot()
      const manifestsWereEnabled = manifestsEnabled(before.metadata)
      if (!request.dryRun) {
        // Turning the property on writes every manifest with its commit; when it was on, rewrite them (the repair).
        if (manifestsWereEnabled) await table.manifests()
        else await table.setProperties({[SYMLINK_MANIFEST_PROPERTY]: 'true'})
      }
      const snapshot = request.dryRun ? before : await table.snapshot()
      const partitions = distinctPartitions(
        snapshot.files.map((f) => f.partitionValues ?? {}),
        snapshot.partitionColumns,
      )
      if (!request.dryRun)
        await warehouse.registerManifestTable(
          entry,
          {columns: snapshot.schema.fields, partitionColumns: snapshot.partitionColumns},
          partitions,
        )
      tables.push({table: name, partitions: partitions.length, manifestsWereEnabled})
    } catch (error) {
      const e = toLabmeshError(error)
      failed.push({table: name, code: e.code, message: e.message})
    }
  }
  if (!request.dryRun && tables.length > 0) await warehouse.runRedshift(request.target, statement)

  const {target} = request
  const connection: WarehouseConnection = {
    kind: 'redshift',
    target: `${target.workgroup ? `workgroup/${target.workgroup}` : `cluster/${target.cluster}`}/${target.database}`,
    schema: request.schema,
    catalog: catalogDatabase,
    lakeDatabase: request.lakeDatabase,
    tables: tables.map((t) => t.table),
    connectedAt: new Date().toISOString(),
  }
  return {connection, statements: [statement], tables, failed, dryRun: request.dryRun}
}

function distinctPartitions(values: Array<Record<string, string | null>>, columns: string[]): Array<Record<string, string | null>> {
  if (columns.length === 0) return []
  const seen = new Map<string, Record<string, string | null>>()
  for (const value of values) {
    const picked = Object.fromEntries(columns.map((c) => [c, value[c] ?? null]))
    seen.set(JSON.stringify(picked), picked)
  }
  return [...seen.values()]
}
