import {readFile} from 'node:fs/promises'

import type {Backend, CatalogEntry} from '../../backends/types.js'
import type {SnowflakeSignIn, WarehouseConnection} from '../../config/profiles.js'
import {LabmeshError} from '../../errors.js'
import {openSnowflakeSession, type SnowflakeSdk} from './snowflake-session.js'

/**
 * Snowflake reads the lake's Delta tables in place as Iceberg tables over Delta files ("Delta
 * Direct"), Snowflake's current recommendation in place of external tables over a stage: a catalog
 * integration with TABLE_FORMAT = DELTA, and one CREATE ICEBERG TABLE per table whose
 * BASE_LOCATION is the table's folder inside an external volume that reaches the bucket.
 */
export interface SnowflakeConnectRequest {
  signIn: SnowflakeSignIn
  schema: string
  /** An external volume the Snowflake administrator created over the bucket (it holds the IAM trust). */
  externalVolume: string
  /** The s3:// URL the external volume's storage location points at (default the bucket's root). */
  volumeUrl: string
  /** The catalog integration to read Delta through (created if missing). */
  catalogIntegration: string
  lakeDatabase: string
  dryRun: boolean
}

export interface SnowflakeConnectResult {
  connection: WarehouseConnection
  /** Every statement, in order (run unless dryRun). */
  statements: string[]
  tables: string[]
  dryRun: boolean
}

/** An identifier as Snowflake resolves it: unquoted-style names upper-cased, anything else kept exactly, quoted. */
export function identifier(name: string): string {
  const resolved = /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) ? name.toUpperCase() : name
  return `"${resolved.replaceAll('"', '""')}"`
}

/** A string literal: Snowflake reads backslash escapes in single-quoted strings. */
export function literal(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

export function tableIdentifier(signIn: SnowflakeSignIn, schema: string, table: string): string {
  return [signIn.database, schema, table].map(identifier).join('.')
}

/** The statements that expose `entries` (DDL takes no bind parameters: every name is quoted as above). */
export function snowflakeStatements(request: SnowflakeConnectRequest, entries: CatalogEntry[]): string[] {
  const base = request.volumeUrl.replace(/\/*$/, '/')
  const statements = [
    `CREATE CATALOG INTEGRATION IF NOT EXISTS ${identifier(request.catalogIntegration)} CATALOG_SOURCE = OBJECT_STORE TABLE_FORMAT = DELTA ENABLED = TRUE`,
    `CREATE SCHEMA IF NOT EXISTS ${[request.signIn.database, request.schema].map(identifier).join('.')}`,
  ]
  for (const entry of entries) {
    const location = `${entry.location.replace(/\/*$/, '')}/`
    if (!location.startsWith(base))
      throw new LabmeshError(
        'INVALID_INPUT',
        `${entry.database}.${entry.table} at ${entry.location} is outside the external volume's ${base}`,
        {
          subject: `${entry.database}.${entry.table}`,
          suggestions: ['pass --volume-url with the storage location the external volume points at'],
        },
      )
    const table = tableIdentifier(request.signIn, request.schema, entry.table)
    statements.push(
      `CREATE ICEBERG TABLE IF NOT EXISTS ${table} EXTERNAL_VOLUME = ${literal(request.externalVolume)} CATALOG = ${literal(request.catalogIntegration)} BASE_LOCATION = ${literal(location.slice(base.length))} COMMENT = ${literal(`labmesh ${entry.database}.${entry.table}`)}`,
      `ALTER ICEBERG TABLE ${table} REFRESH`,
    )
  }
  return statements
}

/** Creates (or, connecting again, refreshes) one Iceberg table per table of the database. */
export async function connectSnowflake(
  backend: Backend,
  request: SnowflakeConnectRequest,
  sdk?: SnowflakeSdk,
): Promise<SnowflakeConnectResult> {
  if (backend.name !== 'aws' || !backend.warehouse)
    throw new LabmeshError('UNSUPPORTED', `the ${backend.name} backend cannot connect warehouses: Snowflake reads the tables from S3`, {
      suggestions: ['use an aws profile (`labmesh init --backend aws`)'],
    })
  const entries = await backend.catalog.list(request.lakeDatabase)
  if (entries.length === 0)
    throw new LabmeshError('NOT_FOUND', `database ${request.lakeDatabase} has no tables to expose`, {subject: request.lakeDatabase})
  const statements = snowflakeStatements(request, entries)
  if (!request.dryRun) {
    const session = await openSnowflakeSession({...request.signIn, privateKey: await privateKey(backend, request.signIn)}, sdk)
    try {
      for (const sql of statements) await session.execute(sql)
    } finally {
      await session.close()
    }
  }
  const tables = entries.map((e) => `${e.database}.${e.table}`)
  return {
    connection: {
      kind: 'snowflake',
      target: `${request.signIn.account}/${request.signIn.database}`,
      schema: request.schema,
      catalog: request.catalogIntegration,
      lakeDatabase: request.lakeDatabase,
      tables,
      connectedAt: new Date().toISOString(),
      snowflake: request.signIn,
    },
    statements,
    tables,
    dryRun: request.dryRun,
  }
}

/** Makes Snowflake read each table's latest Delta version (after labmesh commits). */
export async function refreshSnowflake(backend: Backend, connection: WarehouseConnection, sdk?: SnowflakeSdk): Promise<string[]> {
  const signIn = connection.snowflake
  if (!signIn) return []
  const statements = connection.tables.map(
    (t) => `ALTER ICEBERG TABLE ${tableIdentifier(signIn, connection.schema, t.split('.')[1])} REFRESH`,
  )
  const session = await openSnowflakeSession({...signIn, privateKey: await privateKey(backend, signIn)}, sdk)
  try {
    for (const sql of statements) await session.execute(sql)
  } finally {
    await session.close()
  }
  return statements
}

async function privateKey(backend: Backend, signIn: SnowflakeSignIn): Promise<string> {
  if (signIn.privateKeySecret) return backend.warehouse!.readSecret(signIn.privateKeySecret)
  if (!signIn.privateKeyFile) throw new LabmeshError('INVALID_INPUT', 'Snowflake needs --private-key-file or --private-key-secret')
  try {
    return await readFile(signIn.privateKeyFile, 'utf8')
  } catch (error) {
    throw new LabmeshError('INVALID_INPUT', `cannot read the private key ${signIn.privateKeyFile}: ${(error as Error).message}`, {
      subject: signIn.privateKeyFile,
    })
  }
}
