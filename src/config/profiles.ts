import {readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import envPaths from 'env-paths'

import {LabmeshError} from '../errors.js'
import {writeFileAtomically} from '../output/atomic-file.js'

/** The embedded backend: a workspace folder, SQLite and DuckDB; needs no account and no server. */
export interface LocalProfileSettings {
  backend: 'local'
  /** Workspace folder; LABMESH_HOME overrides it; default the platform's data dir. */
  home?: string
  /** User converter modules (paths relative to the config file's folder). */
  converters?: string[]
}

/** The distributed backend: S3 with SSE-KMS, PostgreSQL, Glue, Athena (docs/aws.md). */
export interface AwsProfileSettings {
  backend: 'aws'
  /** Else AWS_REGION or the shared config's region. */
  region?: string
  /** One bucket: `raw/`, `engineered/` and `lake/` under `prefix`. */
  bucket: string
  /** '' or a folder ending in `/`. */
  prefix?: string
  /** Every object written is SSE-KMS with this key (id, ARN or alias/...). */
  kmsKeyId: string
  /** The metadata database: a postgres:// URL without a password (PGPASSWORD or ~/.pgpass hold it)... */
  metadataUrl?: string
  /** ...or a Secrets Manager secret (name or ARN) holding the JSON RDS creates. */
  metadataSecret?: string
  /** labmesh database `lab` is Glue database `<prefix>lab`. */
  glueDatabasePrefix?: string
  /** The Data Catalog (its account id) whose Lake Formation permissions `catalog share` manages; else the caller's account. */
  catalogId?: string
  athenaWorkgroup?: string
  /** s3:// folder for Athena's results. */
  athenaOutput?: string
  /** USD per TB Athena scans, for the cost shown after each query (default 5, Athena's list price in most regions). */
  athenaPricePerTb?: number
  /** A shared-config profile (SSO, assume-role); else the SDK's default chain. */
  awsProfile?: string
  /** Path-style S3 URLs, for S3-compatible servers (MinIO, Ceph). */
  pathStyle?: boolean
  /** An OpenSearch domain or serverless collection endpoint (https://...): search runs there instead of in PostgreSQL. */
  openSearchEndpoint?: string
  /** The index labmesh keeps there (default `labmesh-files`). */
  openSearchIndex?: string
  /** How requests are signed: `es` (managed domains) or `aoss` (serverless); default from the endpoint's host name. */
  openSearchService?: 'es' | 'aoss'
  /** CloudWatch metrics of the batch commands (docs/operations.md); on unless false. */
  metrics?: boolean
  /** The metrics' `Profile` dimension: the stack's name when `stack deploy` wrote the profile (its alarms watch that); else the profile's name. */
  metricsProfile?: string
  /** The SNS topic notifications go to (the stack's NotificationTopicArn). */
  notifyTopicArn?: string
  /** Notify on failures as if every batch command had --notify. */
  notify?: boolean
  converters?: string[]
  /** Warehouses reading this lake in place (`catalog connect`). */
  connections?: WarehouseConnection[]
}

/** A warehouse that reads the profile's lake in place, as `catalog connect` set it up. */
export interface WarehouseConnection {
  kind: 'redshift' | 'snowflake'
  /** Where: `workgroup/<name>/<database>`, `cluster/<id>/<database>`, or `<account>/<database>`. */
  target: string
  /** The schema in the warehouse. */
  schema: string
  /** What the schema reads through: the Glue database of manifest tables (Redshift), the catalog integration (Snowflake). */
  catalog: string
  /** The labmesh database whose tables it exposes. */
  lakeDatabase: string
  tables: string[]
  connectedAt: string
  /** Snowflake: how to sign in again to refresh the tables after commits (where the key is, never the key). */
  snowflake?: SnowflakeSignIn
}

export interface SnowflakeSignIn {
  account: string
  user: string
  database: string
  role?: string
  warehouse?: string
  privateKeyFile?: string
  privateKeySecret?: string
}

export type ProfileSettings = LocalProfileSettings | AwsProfileSettings

export interface LabmeshConfig {
  defaultProfile?: string
  profiles: Record<string, ProfileSettings>
}

export interface ResolvedProfile {
  name: string
  settings: ProfileSettings
  /** Where the name came from: the flag, LABMESH_PROFILE, the config file, or the built-in default. */
  source: 'flag' | 'env' | 'config' | 'default'
  /** The local workspace folder (local backend only). */
  home?: string
  configFile: string
}

export const DEFAULT_PROFILE = 'local'
const BUILTIN_LOCAL: LocalProfileSettings = {backend: 'local'}

/** The config folder: LABMESH_CONFIG_DIR, else the platform's config dir. */
export function configDir(): string {
  return process.env.LABMESH_CONFIG_DIR || envPaths('labmesh', {suffix: ''}).config
}

export function configFile(): string {
  return path.join(configDir(), 'config.json')
}

/** The workspace folder when neither LABMESH_HOME nor the profile names one. */
export function defaultHome(): string {
  return envPaths('labmesh', {suffix: ''}).data
}

export function readConfig(): LabmeshConfig {
  const file = configFile()
  let text: string
  try {
    // Checked first: reading a FIFO or a device there would block or never end.
    if (!statSync(file).isFile()) throw new Error('not a regular file')
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {profiles: {}}
    throw new LabmeshError('INVALID_INPUT', `cannot read the config file ${file}: ${(error as Error).message}`, {subject: file})
  }
  try {
    const parsed = JSON.parse(text) as Partial<LabmeshConfig>
    return {defaultProfile: parsed.defaultProfile, profiles: parsed.profiles ?? {}}
  } catch (error) {
    throw new LabmeshError('INVALID_INPUT', `the config file ${file} is not valid JSON: ${(error as Error).message}`, {
      subject: file,
      suggestions: ['fix the file by hand, or remove it and run `labmesh init` again'],
    })
  }
}

/** Writes the config atomically (temp file + rename) so a crash never leaves it half-written. */
export function writeConfig(config: LabmeshConfig): void {
  writeFileAtomically(configFile(), JSON.stringify(config, null, 2) + '\n', 0o600)
}

/** Every profile: those in the config file, plus the built-in `local` one when not overridden. */
export function listProfiles(config = readConfig()): Record<string, ProfileSettings> {
  return {[DEFAULT_PROFILE]: BUILTIN_LOCAL, ...config.profiles}
}

/** Picks the profile: --profile, then LABMESH_PROFILE, then the config's default, then `local`. */
export function resolveProfile(flag?: string): ResolvedProfile {
  const config = readConfig()
  const profiles = listProfiles(config)
  const [name, source]: [string, ResolvedProfile['source']] = flag
    ? [flag, 'flag']
    : process.env.LABMESH_PROFILE
      ? [process.env.LABMESH_PROFILE, 'env']
      : config.defaultProfile
        ? [config.defaultProfile, 'config']
        : [DEFAULT_PROFILE, 'default']
  const settings = profiles[name]
  if (!settings) {
    throw new LabmeshError(
      'NOT_FOUND',
      `no profile named "${name}" (from ${source === 'flag' ? '--profile' : source === 'env' ? 'LABMESH_PROFILE' : 'the config file'})`,
      {
        suggestions: [`known profiles: ${Object.keys(profiles).join(', ')}`, 'create one with `labmesh init --profile NAME`'],
      },
    )
  }
  const home = settings.backend === 'local' ? path.resolve(process.env.LABMESH_HOME || settings.home || defaultHome()) : undefined
  return {name, settings, source, home, configFile: configFile()}
}
