import envPaths from 'env-paths'

import type {AwsProfileSettings} from '../../config/profiles.js'
import {openByScheme} from '../../lake/storage-by-scheme.js'
import type {Backend, Lake} from '../types.js'
import {type SharedClientConfig, sharedClientConfig} from './client-config.js'
import {diagnoseAws} from './diagnose.js'
import {createGlueCatalog} from './glue-catalog.js'
import {GlueFacade} from './glue.js'
import {RedshiftDataFacade} from './redshift-data.js'
import {createWarehouseAccess} from './warehouse.js'
import {profilePolicy} from './iam-policy.js'
import {createS3ObjectStore} from './object-store.js'
import {createPostgresAuditLog} from './postgres/audit-log.js'
import {lazyPostgres} from './postgres/lazy.js'
import {createPostgresMetadataStore} from './postgres/metadata-store.js'
import {createPostgresSavedSearches} from './postgres/saved-searches.js'
import {S3Facade} from './s3.js'
import {S3LakeStorage} from './s3-lake-storage.js'
import {readDatabaseSecret} from './secrets.js'
import {callerIdentity} from './sts.js'

/** Where cached lake files live: LABMESH_CACHE_DIR, else the platform's cache folder. */
export function lakeCacheDir(): string {
  return process.env.LABMESH_CACHE_DIR || `${envPaths('labmesh', {suffix: ''}).cache}/lake`
}

/** The region the SDK resolves (AWS_REGION, the shared config), or `*` when none is set. */
async function regionOf(config: SharedClientConfig): Promise<string> {
  const {STSClient} = await import('@aws-sdk/client-sts')
  const client = new STSClient(config)
  try {
    return await client.config.region()
  } catch {
    return '*'
  } finally {
    client.destroy()
  }
}

/**
 * The aws backend: content-addressed objects and Delta tables in one S3 bucket (SSE-KMS with the
 * profile's key on every object), file records in PostgreSQL, the catalog in Glue. Services are
 * reached only when a command uses them: the PostgreSQL pool (and its migrations) on the first
 * record read or written, Glue on the first catalog call.
 */
export async function createAwsBackend(settings: AwsProfileSettings): Promise<Backend> {
  const config = await sharedClientConfig({region: settings.region, awsProfile: settings.awsProfile})
  const prefix = settings.prefix ?? ''
  const s3 = await S3Facade.create(config, {bucket: settings.bucket, kmsKeyId: settings.kmsKeyId, pathStyle: settings.pathStyle})
  const glue = new GlueFacade(config)
  const redshift = new RedshiftDataFacade(config)
  const postgres = lazyPostgres({
    url: settings.metadataUrl,
    secretId: settings.metadataSecret,
    readSecret: (secretId) => readDatabaseSecret(config, secretId),
  })
  const cacheDir = lakeCacheDir()
  const lake: Lake = {
    catalog: createGlueCatalog(glue, {
      databasePrefix: settings.glueDatabasePrefix ?? '',
      lakeRoot: `s3://${settings.bucket}/${prefix}lake`,
    }),
    lakeStorage: (location) => openByScheme(location, {s3: (url) => new S3LakeStorage(s3.forLocation(url), url, {cacheDir})}, 'aws'),
  }
  return {
    name: 'aws',
    capabilities: {
      location: `s3://${settings.bucket}/${prefix}`,
      encryptionAtRest: 'sse-kms',
      timeTravel: false,
      exportFormats: ['csv', 'parquet'],
      searchRanking: settings.openSearchEndpoint ? 'bm25' : 'ts_rank',
    },
    objects: createS3ObjectStore(s3, {prefix}),
    metadata: createPostgresMetadataStore(postgres),
    savedSearches: createPostgresSavedSearches(postgres),
    audit: createPostgresAuditLog(postgres),
    ...lake,
    warehouse: createWarehouseAccess(glue, redshift, {databasePrefix: settings.glueDatabasePrefix ?? '', config}),
    diagnose: () => diagnoseAws({settings, config, s3, glue, postgres}),
    async accessPolicies() {
      // The account id makes the ARNs exact; without credentials the policies still print, with `*`.
      const account = await callerIdentity(config).then(
        (identity) => identity.account,
        () => '*',
      )
      const context = {account, region: settings.region ?? (await regionOf(config))}
      return {
        reader: profilePolicy(settings, 'reader', context),
        writer: profilePolicy(settings, 'writer', context),
        admin: profilePolicy(settings, 'admin', context),
      }
    },
    async close() {
      await postgres.close()
      glue.destroy()
      redshift.destroy()
      s3.destroy()
    },
  }
}
