import {createRequire} from 'node:module'

import type {AwsProfileSettings} from '../../config/profiles.js'
import {toLabmeshError} from '../../errors.js'
import type {HealthCheck} from '../types.js'
import {formatBytes} from '../../output/format.js'
import {describeWorkGroup} from './athena.js'
import type {SharedClientConfig} from './client-config.js'
import type {GlueFacade} from './glue.js'
import {describeKey} from './kms.js'
import {PG_MIGRATIONS, schemaVersion} from './postgres/migrations.js'
import {openSearchClient, openSearchError, openSearchIndexName, openSearchService} from './opensearch/client.js'
import type {LazyPostgres} from './postgres/lazy.js'
import type {S3Facade} from './s3.js'
import {callerIdentity} from './sts.js'

export interface AwsDiagnosis {
  settings: AwsProfileSettings
  config: SharedClientConfig
  s3: S3Facade
  glue: GlueFacade
  postgres: LazyPostgres
}

/** A check that failed with an error: its message, and the fix the error suggests (or the one given). */
async function check(name: string, run: () => Promise<HealthCheck | HealthCheck[]>, fix: string): Promise<HealthCheck[]> {
  try {
    const result = await run()
    return Array.isArray(result) ? result : [result]
  } catch (error) {
    const e = toLabmeshError(error)
    return [{name, status: 'fail', detail: `[${e.code}] ${e.message}`, fix: e.suggestions[0] ?? fix}]
  }
}

/**
 * What `labmesh doctor` checks on an aws profile, each on its own (one failing does not hide the
 * others): credentials, the bucket's reachability and settings, the KMS key, the metadata
 * database, the Glue database, the Athena workgroup, the OpenSearch index when the profile searches
 * there, and the Node.js version the SDK supports.
 */
export async function diagnoseAws(context: AwsDiagnosis): Promise<HealthCheck[]> {
  const {settings, config, s3, glue, postgres} = context
  const bucket = `s3://${settings.bucket}`
  const glueDatabase = `${settings.glueDatabasePrefix ?? ''}lab`
  const checks = await Promise.all([
    check(
      'credentials',
      async () => {
        const identity = await callerIdentity(config)
        return {name: 'credentials', status: 'ok', detail: `account ${identity.account} as ${identity.arn}`}
      },
      "configure credentials: `aws sso login`, AWS_PROFILE, or the profile's --aws-profile",
    ),
    check(
      'bucket',
      async () => {
        const facts = await s3.bucketFacts()
        const results: HealthCheck[] = [{name: 'bucket', status: 'ok', detail: `${bucket} is reachable`}]
        const encryption = facts.encryption
        results.push(
          encryption === 'denied'
            ? {
                name: 'bucket encryption',
                status: 'warn',
                detail: 'cannot read the default encryption',
                fix: 'allow s3:GetEncryptionConfiguration to check it',
              }
            : encryption !== 'none' && encryption.algorithm === 'aws:kms'
              ? {
                  name: 'bucket encryption',
                  status: 'ok',
                  detail: `default SSE-KMS${encryption.kmsKeyId ? ` with ${encryption.kmsKeyId}` : ''}`,
                }
              : {
                  name: 'bucket encryption',
                  status: 'warn',
                  detail: `default encryption is ${encryption === 'none' ? 'not set' : encryption.algorithm}; labmesh encrypts its own writes with the profile's key`,
                  fix: `set the bucket's default encryption to SSE-KMS with ${settings.kmsKeyId}, so other writers' objects are encrypted too`,
                },
        )
        results.push(
          facts.publicAccessBlocked === true
            ? {name: 'public access', status: 'ok', detail: 'blocked'}
            : {
                name: 'public access',
                status: 'warn',
                detail: facts.publicAccessBlocked === 'denied' ? 'cannot read the public access block' : 'not fully blocked',
                fix: `aws s3api put-public-access-block --bucket ${settings.bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`,
              },
        )
        results.push(
          facts.versioning === 'Enabled'
            ? {name: 'versioning', status: 'ok', detail: 'enabled'}
            : {
                name: 'versioning',
                status: 'warn',
                detail: facts.versioning === 'denied' ? 'cannot read the versioning state' : `versioning is ${facts.versioning}`,
                fix: `aws s3api put-bucket-versioning --bucket ${settings.bucket} --versioning-configuration Status=Enabled (deleted objects stay recoverable)`,
              },
        )
        return results
      },
      `check that ${bucket} exists in the profile's region and that this identity may list it`,
    ),
    check(
      'kms key',
      async () => {
        const key = await describeKey(config, settings.kmsKeyId)
        const usable = key.state === 'Enabled' && key.usage === 'ENCRYPT_DECRYPT'
        return usable
          ? {name: 'kms key', status: 'ok', detail: `${key.arn} is enabled and generates data keys`}
          : {
              name: 'kms key',
              status: 'fail',
              detail: `${key.arn} is ${key.state} (${key.usage})`,
              fix: 'enable the key, or name another with --kms-key-id',
            }
      },
      `allow kms:DescribeKey and kms:GenerateDataKey on ${settings.kmsKeyId}`,
    ),
    check(
      'postgresql',
      async () => {
        const db = await postgres.unmigrated()
        const version = await schemaVersion(db)
        const where = db.target
        if (version === PG_MIGRATIONS.length) return {name: 'postgresql', status: 'ok', detail: `${where}, schema ${version}`}
        if (version > PG_MIGRATIONS.length)
          return {
            name: 'postgresql',
            status: 'fail',
            detail: `${where} is at schema ${version}, newer than this labmesh`,
            fix: 'upgrade labmesh',
          }
        return {
          name: 'postgresql',
          status: 'warn',
          detail: `${where} is at schema ${version} of ${PG_MIGRATIONS.length}`,
          fix: 'any labmesh command that reads or writes files migrates it (e.g. `labmesh files list`)',
        }
      },
      'check --metadata-url / --metadata-secret and the network path to the database',
    ),
    check(
      'glue database',
      async () =>
        (await glue.databaseExists(glueDatabase))
          ? {name: 'glue database', status: 'ok', detail: `${glueDatabase} exists`}
          : {
              name: 'glue database',
              status: 'warn',
              detail: `${glueDatabase} does not exist yet`,
              fix: 'the first `labmesh convert` creates it (glue:CreateDatabase)',
            },
      'allow glue:GetDatabase',
    ),
    check(
      'athena',
      async () => {
        const name = settings.athenaWorkgroup ?? 'primary'
        const group = await describeWorkGroup(config, name)
        // A workgroup that enforces its configuration writes results where it says, whatever the profile asks.
        const output = group.enforced ? (group.outputLocation ?? settings.athenaOutput) : (settings.athenaOutput ?? group.outputLocation)
        const limit = group.bytesScannedCutoffPerQuery ? `, at most ${formatBytes(group.bytesScannedCutoffPerQuery)} scanned per query` : ''
        if (group.state !== 'ENABLED')
          return {
            name: 'athena',
            status: 'fail',
            detail: `workgroup ${name} is ${group.state}`,
            fix: 'enable it, or name another with --athena-workgroup',
          }
        if (group.enforced && settings.athenaOutput && group.outputLocation && settings.athenaOutput !== group.outputLocation)
          return {
            name: 'athena',
            status: 'warn',
            detail: `workgroup ${name} enforces its settings: results go to ${group.outputLocation}, not the profile's ${settings.athenaOutput}`,
            fix: `recreate the profile with --athena-output ${group.outputLocation}, so Parquet results are unloaded where the workgroup allows`,
          }
        return output
          ? {
              name: 'athena',
              status: 'ok',
              detail: `workgroup ${name}${group.engineVersion ? ` (${group.engineVersion})` : ''}, results in ${output}${limit}`,
            }
          : {
              name: 'athena',
              status: 'warn',
              detail: `workgroup ${name} has no output location`,
              fix: 'set one with `labmesh init ... --athena-output s3://...`',
            }
      },
      'allow athena:GetWorkGroup',
    ),
    ...(settings.openSearchEndpoint ? [check('opensearch', async () => openSearchHealth(settings, config), OPENSEARCH_FIX)] : []),
    check('node', async () => nodeSupport(), 'use Node.js 20 or later'),
  ])
  return checks.flat()
}

/** The running Node.js against what the pinned AWS SDK declares it supports. */
function nodeSupport(): HealthCheck {
  const pkg = createRequire(import.meta.url)('@aws-sdk/client-s3/package.json') as {version: string; engines?: {node?: string}}
  const wanted = pkg.engines?.node ?? 'any'
  const minimum = Number(/(\d+)/.exec(wanted)?.[1] ?? 0)
  const major = Number(process.versions.node.split('.')[0])
  const detail = `Node.js ${process.versions.node}; AWS SDK for JavaScript ${pkg.version} supports Node.js ${wanted}`
  return major >= minimum ? {name: 'node', status: 'ok', detail} : {name: 'node', status: 'fail', detail, fix: `use Node.js ${wanted}`}
}

const OPENSEARCH_FIX = "check the profile's openSearchEndpoint and that this identity may reach it (labmesh doctor --policy)"

/** The profile's OpenSearch index, asked with one signed HEAD: reachable, and whether it exists yet. */
async function openSearchHealth(settings: AwsProfileSettings, config: SharedClientConfig): Promise<HealthCheck> {
  const endpoint = settings.openSearchEndpoint!
  const index = openSearchIndexName(settings)
  const client = await openSearchClient(endpoint, config, openSearchService(endpoint, settings.openSearchService))
  let exists: boolean
  try {
    exists = (await client.indices.exists({index})).body
  } catch (error) {
    throw openSearchError(error, `index ${index} at ${endpoint}`)
  } finally {
    await client.close()
  }
  return exists
    ? {name: 'opensearch', status: 'ok', detail: `index ${index} at ${endpoint}`}
    : {
        name: 'opensearch',
        status: 'warn',
        detail: `${endpoint} has no index ${index} yet`,
        fix: 'the first command that writes files creates it; `labmesh search reindex` fills it with what is stored',
      }
}
