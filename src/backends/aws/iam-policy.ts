import type {AwsProfileSettings} from '../../config/profiles.js'
import {METRIC_NAMESPACE} from '../../runs/namespace.js'
import type {AccessRole} from '../types.js'
import {openSearchIndexName, openSearchService} from './opensearch/client.js'
import {webhookSecretName} from './webhook-secrets.js'

interface Statement {
  Sid: string
  Effect: 'Allow'
  Action: string[]
  Resource: string[]
  Condition?: Record<string, Record<string, string[]>>
}

export interface PolicyDocument {
  Version: '2012-10-17'
  Statement: Statement[]
}

export interface PolicyContext {
  /** The account id, when known (from STS); else `*`. */
  account: string
  region: string
}

/**
 * The least-privilege IAM policy for a profile's own resources, per role: readers list, read and
 * query; writers also ingest, convert and label; admins also maintain tables (vacuum deletes)
 * and run doctor. Resources are the profile's bucket prefix, its KMS key, its Glue databases
 * (`<prefix>*`), its secret and its Athena workgroup; nothing account-wide but the admin's Lake
 * Formation actions, which IAM does not scope (Lake Formation's own permissions do). PostgreSQL access
 * is granted in the database (its user), not by IAM.
 */
export function profilePolicy(settings: AwsProfileSettings, role: AccessRole, context: PolicyContext): PolicyDocument {
  const {account, region} = context
  const prefix = settings.prefix ?? ''
  const objects = `arn:aws:s3:::${settings.bucket}/${prefix}*`
  const bucket = `arn:aws:s3:::${settings.bucket}`
  const key = settings.kmsKeyId.startsWith('arn:')
    ? settings.kmsKeyId
    : settings.kmsKeyId.startsWith('alias/')
      ? `arn:aws:kms:${region}:${account}:key/*`
      : `arn:aws:kms:${region}:${account}:key/${settings.kmsKeyId}`
  const databases = `${settings.glueDatabasePrefix ?? ''}*`
  const glue = [
    `arn:aws:glue:${region}:${account}:catalog`,
    `arn:aws:glue:${region}:${account}:database/${databases}`,
    `arn:aws:glue:${region}:${account}:table/${databases}/*`,
  ]
  const workgroup = `arn:aws:athena:${region}:${account}:workgroup/${settings.athenaWorkgroup ?? 'primary'}`
  const writes = role !== 'reader'
  const admin = role === 'admin'

  const statements: Statement[] = [
    {
      Sid: 'ListTheProfilePrefix',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [bucket],
      Condition: {StringLike: {'s3:prefix': [`${prefix}*`]}},
    },
    {
      Sid: writes ? 'ReadAndWriteObjects' : 'ReadObjects',
      Effect: 'Allow',
      Action: [
        's3:GetObject',
        ...(writes ? ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'] : []),
        ...(admin ? ['s3:DeleteObject'] : []),
      ],
      Resource: [objects],
    },
    {
      Sid: writes ? 'EncryptAndDecrypt' : 'Decrypt',
      Effect: 'Allow',
      Action: ['kms:Decrypt', ...(writes ? ['kms:GenerateDataKey'] : []), ...(admin ? ['kms:DescribeKey'] : [])],
      Resource: [key],
      ...(settings.kmsKeyId.startsWith('alias/')
        ? {Condition: {'ForAnyValue:StringEquals': {'kms:ResourceAliases': [settings.kmsKeyId]}}}
        : {}),
    },
    {
      Sid: writes ? 'CatalogReadAndRegister' : 'CatalogRead',
      Effect: 'Allow',
      Action: [
        'glue:GetDatabase',
        'glue:GetDatabases',
        'glue:GetTable',
        'glue:GetTables',
        'glue:GetPartitions',
        ...(writes ? ['glue:CreateDatabase', 'glue:CreateTable', 'glue:UpdateTable'] : []),
        ...(admin ? ['glue:DeleteTable', 'glue:BatchCreatePartition'] : []),
      ],
      Resource: glue,
    },
    {
      Sid: 'Query',
      Effect: 'Allow',
      Action: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetWorkGroup',
      ],
      Resource: [workgroup],
    },
  ]
  if (writes) {
    // Batch commands publish their metrics (PutMetricData has no resources, only its namespace to scope by) and notify their failures.
    statements.push({
      Sid: 'PublishMetrics',
      Effect: 'Allow',
      Action: ['cloudwatch:PutMetricData'],
      Resource: ['*'],
      Condition: {StringEquals: {'cloudwatch:namespace': [METRIC_NAMESPACE]}},
    })
    if (settings.notifyTopicArn)
      statements.push({Sid: 'Notify', Effect: 'Allow', Action: ['sns:Publish'], Resource: [settings.notifyTopicArn]})
  }
  if (settings.athenaOutput) {
    const output = settings.athenaOutput.replace(/^s3:\/\//, '').replace(/\/?$/, '/')
    statements.push({
      Sid: 'QueryResults',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      Resource: [`arn:aws:s3:::${output}*`],
    })
  }
  if (settings.metadataSecret) {
    const secret = settings.metadataSecret.startsWith('arn:')
      ? settings.metadataSecret
      : `arn:aws:secretsmanager:${region}:${account}:secret:${settings.metadataSecret}-*`
    statements.push({Sid: 'MetadataDatabaseSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [secret]})
  }
  if (writes) {
    // Webhook signing secrets: writers sign the deliveries of what they ingest and convert; admins
    // add and remove webhooks (CreateSecret with tags needs TagResource).
    statements.push({
      Sid: admin ? 'WebhookSecrets' : 'ReadWebhookSecrets',
      Effect: 'Allow',
      Action: [
        'secretsmanager:GetSecretValue',
        ...(admin
          ? ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:DeleteSecret', 'secretsmanager:TagResource']
          : []),
      ],
      Resource: [`arn:aws:secretsmanager:${region}:${account}:secret:${webhookSecretName(settings.bucket, '*')}`],
    })
  }
  if (settings.openSearchEndpoint) statements.push(openSearchStatement(settings, writes, context))
  if (admin) {
    // catalog connect redshift: the external schema, created through the Data API.
    statements.push({
      Sid: 'WarehouseConnect',
      Effect: 'Allow',
      Action: [
        'redshift-data:ExecuteStatement',
        'redshift-data:DescribeStatement',
        'redshift-serverless:GetCredentials',
        'redshift:GetClusterCredentials',
      ],
      Resource: ['*'],
    })
    statements.push({
      Sid: 'DoctorBucketChecks',
      Effect: 'Allow',
      Action: ['s3:GetEncryptionConfiguration', 's3:GetBucketPublicAccessBlock', 's3:GetBucketVersioning'],
      Resource: [bucket],
    })
    // catalog share, revoke, apply, grants and tag. Lake Formation's IAM actions take no resource:
    // what the admin may grant is decided by its Lake Formation permissions (docs/sharing.md).
    statements.push({
      Sid: 'ShareTables',
      Effect: 'Allow',
      Action: [
        'lakeformation:BatchGrantPermissions',
        'lakeformation:BatchRevokePermissions',
        'lakeformation:GrantPermissions',
        'lakeformation:ListPermissions',
        'lakeformation:CreateDataCellsFilter',
        'lakeformation:DeleteDataCellsFilter',
        'lakeformation:ListDataCellsFilter',
        'lakeformation:GetLFTag',
        'lakeformation:CreateLFTag',
        'lakeformation:UpdateLFTag',
        'lakeformation:ListLFTags',
        'lakeformation:AddLFTagsToResource',
        'lakeformation:RemoveLFTagsFromResource',
        'lakeformation:GetResourceLFTags',
        'lakeformation:SearchDatabasesByLFTags',
        'lakeformation:SearchTablesByLFTags',
      ],
      Resource: ['*'],
    })
  }
  return {Version: '2012-10-17', Statement: statements}
}

/**
 * Search on OpenSearch. A managed domain is scoped to labmesh's index (readers search with GET and POST;
 * writers also create the index with PUT; bulk writes are POSTs, which IAM cannot tell from searches). A
 * serverless collection takes only `aoss:APIAccessAll` in IAM, on the collection the endpoint names; what
 * it may do inside is its data access policy's (docs/aws.md).
 */
function openSearchStatement(settings: AwsProfileSettings, writes: boolean, {account, region}: PolicyContext): Statement {
  const endpoint = settings.openSearchEndpoint!
  if (openSearchService(endpoint, settings.openSearchService) === 'aoss') {
    const collection = new URL(endpoint).hostname.split('.')[0]
    return {
      Sid: 'SearchCollection',
      Effect: 'Allow',
      Action: ['aoss:APIAccessAll'],
      Resource: [`arn:aws:aoss:${region}:${account}:collection/${collection}`],
    }
  }
  const index = openSearchIndexName(settings)
  return {
    Sid: writes ? 'SearchIndexReadAndWrite' : 'SearchIndexRead',
    Effect: 'Allow',
    Action: ['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost', ...(writes ? ['es:ESHttpPut'] : [])],
    Resource: [`arn:aws:es:${region}:${account}:domain/*/${index}`, `arn:aws:es:${region}:${account}:domain/*/${index}/*`],
  }
}
