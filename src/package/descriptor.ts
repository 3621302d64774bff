import {createHash} from 'node:crypto'

import {openRegularFile} from '../files/contained.js'
import type {TableSchema} from './table-schema.js'

/** The parts of a Frictionless Data Package v2 descriptor (`datapackage.json`) labmesh writes and checks. */

export const DATAPACKAGE_PROFILE = 'https://datapackage.org/profiles/2.0/datapackage.json'
export const TABLE_DIALECT_PROFILE = 'https://datapackage.org/profiles/2.0/tabledialect.json'
export const DESCRIPTOR = 'datapackage.json'

export interface TableDialect {
  $schema: string
  header: boolean
  delimiter: string
  lineTerminator: string
  quoteChar: string
  doubleQuote: boolean
}

export interface DataResource {
  name: string
  type?: 'table'
  /** One path, or the parts of one resource in order; relative to the package folder (or a URL). */
  path?: string | string[]
  data?: unknown
  format?: string
  mediatype?: string
  encoding?: string
  bytes?: number
  /** `algorithm:hex` (`sha256:...`); bare hex is MD5. */
  hash?: string
  dialect?: TableDialect
  schema?: TableSchema
}

/** What labmesh records about how a package was made, so it can be reproduced. */
export interface PackageProvenance {
  /** The SQL that produced the resource. */
  sql: string
  parameters: Record<string, string | number | boolean | null>
  /** `database.table` -> version number or ISO time, for tables read at another version than the latest. */
  asOf: Record<string, number | string>
  /** E.g. "DuckDB v1.5.6". */
  engine: string
  backend: string
  profile: string
  /** E.g. "labmesh 0.1.0". */
  generator: string
  rows: number
  elapsedSeconds: number
  /** The statement's id in an engine that keeps a history (Athena's QueryExecutionId). */
  queryExecutionId?: string
  /** Bytes the engine scanned, where it bills by them. */
  bytesScanned?: number
}

export interface DataPackage {
  $schema: string
  name?: string
  id?: string
  title?: string
  created?: string
  resources: DataResource[]
  labmesh?: PackageProvenance
}

/** Size and digest of files read in sequence as one stream (a resource in several parts is hashed whole). */
export async function digestFiles(files: string[], algorithm: string): Promise<{bytes: number; hex: string}> {
  const hash = createHash(algorithm)
  let bytes = 0
  for (const file of files) {
    const handle = await openRegularFile(file)
    for await (const chunk of handle.createReadStream()) {
      hash.update(chunk as Buffer)
      bytes += (chunk as Buffer).length
    }
  }
  return {bytes, hex: hash.digest('hex')}
}
