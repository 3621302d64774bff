import path from 'node:path'
import type {Client} from '@opensearch-project/opensearch'
import envPaths from 'env-paths'

import type {AwsProfileSettings} from '../../config/profiles.js'
import {openByScheme} from '../../lake/storage-by-scheme.js'
import {createDuckDbQueryEngine} from '../local/query-engine.js'
import type {Backend, Lake, SearchIndex} from '../types.js'
import {resolvedRegion, sharedClientConfig} from './client-config.js'
import {AthenaFacade} from './athena.js'
import {createAthenaQueryEngine} from './athena-engine.js'
import {diagnoseAws} from './diagnose.js'
import {createAwsGrantStore} from './grants.js'
import {createGlueCatalog} from './glue-catalog.js'
import {GlueFacade} from './glue.js'
import {RedshiftDataFacade} from './redshift-data.js'
import {createWarehouseAccess} from './warehouse.js'
import {profilePolicy} from './iam-policy.js'
import {openSearchClient as connectOpenSearch, openSearchService, openSearchIndexName} from './opensearch/client.js'
import {createOpenSearchIndex, ensureIndex, followRecordChanges} from './opensearch/search-index.js'
import {createS3ObjectStore} from './object-store.js'
import {createPostgresAuditLog} from './postgres/audit-log.js'
import {createPostgresEventStore} from './postgres/event-store.js'
import {createPostgresKeyStore} from './postgres/key-store.js'
import {lazyPostgres} from './postgres/lazy.js'
import {createPostgresMetadataStore} from './postgres/metadata-store.js'
import {createPostgresMonitoredPaths} from './postgres/monitored-paths.js'
import {createPostgresRunLog} from './postgres/run-log.js'
import {createPostgresSavedSearches} from './postgres/saved-searches.js'
import {createPostgresSearchIndex} from './postgres/search-index.js'
import {S3Facade} from './s3.js'
import {S3LakeStorage} from './s3-lake-storage.js'
import {readDatabaseSecret} from './secrets.js'
import {callerIdentity} from './sts.js'
import {createSecretsManagerVault} from './webhook-secrets.js'

/** Where cached lake files live: LABMESH_CACHE_DIR, else the platform's cache folder. */
export function lakeCacheDir(): string {
  return process.env.LABMESH_CACHE_DIR || `${envPaths('labmesh', {suffix: ''}).cache}/lake`
}

/** USD per TB scanned: Athena's list price in most regions. */
const DEFAULT_PRICE_PER_TB = 5

/**
 * The aws backend: content-addressed objects and Delta tables in one S3 bucket (SSE-KMS with the
 * profile's key on every object), file records and their search index in PostgreSQL, the catalog in Glue. Services are
 * reached only when a command uses them: the PostgreSQL pool (and its migrations) on the first
 * record read or written, Glue on the first catalog call.
 */
export async function createAwsBackend(settings: AwsProfileSettings): Promise<Backend> {
  const config = await sharedClientConfig({region: settings.region, awsProfile: settings.awsProfile})
  const prefix = settings.prefix ?? ''
  const s3 = await S3Facade.create(config, {bucket: settings.bucket, kmsKeyId: settings.kmsKeyId, pathStyle: settings.pathStyle})
  const glue = new GlueFacade(config)
  const redshift = new RedshiftDataFacade(config)
  const postgres = lazyPostgres(
    {
      url: settings.metadataUrl,
      secretId: settings.metadataSecret,
      readSecret: (secretId) => readDatabaseSecret(config, secretId),
    },
    // With OpenSearch, every record change is queued for it from the first write on.
    settings.openSearchEndpoint ? {afterMigrate: followRecordChanges} : {},
  )
  const grants = createAwsGrantStore(settings, config, postgres)
  const cacheDir = lakeCacheDir()
  const lake: Lake = {
    catalog: createGlueCatalog(glue, {
      databasePrefix: settings.glueDatabasePrefix ?? '',
      lakeRoot: `s3://${settings.bucket}/${prefix}lake`,
    }),
    lakeStorage: (location) => openByScheme(location, {s3: (url) => new S3LakeStorage(s3.forLocation(url), url, {cacheDir})}, 'aws'),
  }
  const athena = new AthenaFacade(config)
  const tempDir = path.join(cacheDir, '.tmp')
  const athenaEngine = createAthenaQueryEngine({
    athena,
    s3,
    catalog: lake.catalog,
    workGroup: settings.athenaWorkgroup ?? 'primary',
    databasePrefix: settings.glueDatabasePrefix ?? '',
    outputLocation: settings.athenaOutput,
    kmsKeyId: settings.kmsKeyId,
    pricePerTb: settings.athenaPricePerTb ?? DEFAULT_PRICE_PER_TB,
    tempDir,
  })
  // DuckDB reads the snapshots' files from the cache, the only folder its session may read.
  const webhookSecrets = createSecretsManagerVault({config, bucket: settings.bucket, kmsKeyId: settings.kmsKeyId})
  const duckdb = createDuckDbQueryEngine({lake, lakeRoot: cacheDir, tempDir})
  let openSearchClient: Promise<Client> | undefined
  const openSearch = (endpoint: string): SearchIndex => {
    const service = openSearchService(endpoint, settings.openSearchService)
    const index = openSearchIndexName(settings)
    return createOpenSearchIndex(postgres, {
      index,
      // Serverless collections refresh on their own and take no refresh parameter.
      refresh: service === 'es',
      client: () => {
        openSearchClient ??= connectOpenSearch(endpoint, config, service).then(async (client) => {
          await ensureIndex(client, index)
          return client
        })
        openSearchClient.catch(() => (openSearchClient = undefined))
        return openSearchClient
      },
    })
  }
  return {
    name: 'aws',
    capabilities: {
      location: `s3://${settings.bucket}/${prefix}`,
      localState: [{path: cacheDir, what: 'the cache of lake files'}],
      encryptionAtRest: 'sse-kms',
      timeTravel: false,
      exportFormats: ['csv', 'parquet'],
      searchRanking: settings.openSearchEndpoint ? 'bm25' : 'ts_rank',
      // Lake Formation applies the grants of whoever calls Athena; labmesh cannot act as someone else.
      queryAsPrincipal: false,
    },
    objects: createS3ObjectStore(s3, {prefix}),
    metadata: createPostgresMetadataStore(postgres),
    search: settings.openSearchEndpoint ? openSearch(settings.openSearchEndpoint) : createPostgresSearchIndex(postgres),
    savedSearches: createPostgresSavedSearches(postgres),
    audit: createPostgresAuditLog(postgres),
    monitoredPaths: createPostgresMonitoredPaths(postgres),
    keys: createPostgresKeyStore(postgres),
    events: createPostgresEventStore(postgres, webhookSecrets),
    runs: createPostgresRunLog(postgres),
    grants,
    ...lake,
    warehouse: createWarehouseAccess(glue, redshift, {databasePrefix: settings.glueDatabasePrefix ?? '', config}),
    query: athenaEngine,
    queryEngines: {athena: athenaEngine, duckdb},
    diagnose: () => diagnoseAws({settings, config, s3, glue, postgres}),
    async accessPolicies() {
      // The account id makes the ARNs exact; without credentials the policies still print, with `*`.
      const account = await callerIdentity(config).then(
        (identity) => identity.account,
        () => '*',
      )
      const context = {account, region: (await resolvedRegion(config)) ?? '*'}
      return {
        reader: profilePolicy(settings, 'reader', context),
        writer: profilePolicy(settings, 'writer', context),
        admin: profilePolicy(settings, 'admin', context),
      }
    },
    async close() {
      grants.destroy()
      await postgres.close()
      await (await openSearchClient?.catch(() => undefined))?.close()
      glue.destroy()
      redshift.destroy()
      athena.destroy()
      webhookSecrets.destroy()
      s3.destroy()
    },
  }
}
