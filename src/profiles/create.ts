import {
  type AwsProfileSettings,
  type ProfileSettings,
  readConfig,
  resolveProfile,
  type ResolvedProfile,
  writeConfig,
} from '../config/profiles.js'
import {LabmeshError} from '../errors.js'

/** The settings of an aws profile as given on the command line or at the prompts. */
export type NewAwsSettings = Partial<Omit<AwsProfileSettings, 'backend' | 'converters'>>

export interface NewProfile extends NewAwsSettings {
  name: string
  backend: 'local' | 'aws'
  home?: string
  makeDefault?: boolean
  force?: boolean
}

export interface CreatedProfile {
  profile: ResolvedProfile
  isDefault: boolean
}

/** Saves a profile in the config file and resolves it as commands will. */
export function createProfile(request: NewProfile): CreatedProfile {
  if (!/^[\w.-]+$/.test(request.name)) throw new LabmeshError('USAGE', `"${request.name}" is not a profile name (letters, digits, _ . -)`)
  const config = readConfig()
  if (config.profiles[request.name] && !request.force) {
    throw new LabmeshError('CONFLICT', `profile "${request.name}" exists already`, {
      suggestions: ['pass --force to replace it', '`labmesh profile show ' + request.name + '` to see it'],
    })
  }
  const settings: ProfileSettings =
    request.backend === 'aws' ? awsSettings(request) : {backend: 'local', ...(request.home ? {home: request.home} : {})}
  config.profiles[request.name] = settings
  if (request.makeDefault) config.defaultProfile = request.name
  writeConfig(config)
  return {profile: resolveProfile(request.name), isDefault: (config.defaultProfile ?? 'local') === request.name}
}

// S3's rules for bucket names (general purpose buckets).
const BUCKET = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

/** Checks an aws profile's settings: each problem names the flag to fix. */
export function awsSettings(request: NewAwsSettings): AwsProfileSettings {
  const usage = (message: string, suggestion?: string): LabmeshError =>
    new LabmeshError('USAGE', message, suggestion ? {suggestions: [suggestion]} : {})
  if (!request.bucket) throw usage('an aws profile needs --bucket')
  if (!BUCKET.test(request.bucket) || request.bucket.includes('..')) throw usage(`"${request.bucket}" is not an S3 bucket name`)
  if (!request.kmsKeyId)
    throw usage(
      'an aws profile needs --kms-key-id: labmesh writes every object SSE-KMS and never unencrypted',
      'a key id, key ARN, or alias/name',
    )
  if (Boolean(request.metadataUrl) === Boolean(request.metadataSecret))
    throw usage('an aws profile needs one metadata database: --metadata-url postgres://... or --metadata-secret <name or ARN>')
  if (request.metadataUrl) {
    let url: URL
    try {
      url = new URL(request.metadataUrl)
    } catch {
      // Not echoed: text that fails to parse may still hold a password.
      throw usage('--metadata-url is not a URL', 'postgres://user@host:5432/database')
    }
    if (!['postgres:', 'postgresql:'].includes(url.protocol)) throw usage('--metadata-url must be a postgres:// URL')
    if (url.password) {
      throw usage(
        '--metadata-url must not hold a password: the config file is not a secret store',
        'use --metadata-secret (Secrets Manager), or PGPASSWORD / ~/.pgpass beside a URL without the password',
      )
    }
  }
  if (request.athenaOutput && !/^s3:\/\/[^/]+/.test(request.athenaOutput)) throw usage('--athena-output must be an s3:// URL')
  if (request.athenaPricePerTb !== undefined && !(request.athenaPricePerTb >= 0))
    throw usage('--athena-price-per-tb must be a price in USD, 0 or more')
  if (request.glueDatabasePrefix && !/^[a-z0-9_]*$/.test(request.glueDatabasePrefix))
    throw usage('--glue-database-prefix may hold only lower-case letters, digits and _ (Glue lower-cases database names)')
  if (request.catalogId && !/^\d{12}$/.test(request.catalogId))
    throw usage(`--catalog-id "${request.catalogId}" is not an AWS account id (12 digits)`)
  if (request.notifyTopicArn && !/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]{1,256}$/.test(request.notifyTopicArn))
    throw usage(`--notify-topic-arn "${request.notifyTopicArn}" is not an SNS topic ARN`, 'arn:aws:sns:eu-west-1:123456789012:labmesh-lab')
  if (request.openSearchEndpoint) {
    // Requests carry SigV4-signed credentials: never over plain HTTP, never with a user and
    // password of the URL's own (the config file is not a secret store). What may hold a password is not echoed.
    const example = 'https://abc123.eu-west-1.aoss.amazonaws.com'
    let url: URL
    try {
      url = new URL(request.openSearchEndpoint)
    } catch {
      throw usage('--opensearch-endpoint is not a URL', example)
    }
    if (url.username || url.password) {
      throw usage(
        '--opensearch-endpoint must not hold a user or password: requests to OpenSearch are signed with the AWS credentials of the profile',
        example,
      )
    }
    if (url.protocol !== 'https:') throw usage(`--opensearch-endpoint "${request.openSearchEndpoint}" is not an https:// URL`, example)
  }
  const prefix = (request.prefix ?? '').replace(/^\/+/, '')
  return {
    backend: 'aws',
    bucket: request.bucket,
    kmsKeyId: request.kmsKeyId,
    ...(request.region ? {region: request.region} : {}),
    ...(prefix ? {prefix: prefix.endsWith('/') ? prefix : `${prefix}/`} : {}),
    ...(request.metadataUrl ? {metadataUrl: request.metadataUrl} : {}),
    ...(request.metadataSecret ? {metadataSecret: request.metadataSecret} : {}),
    ...(request.glueDatabasePrefix ? {glueDatabasePrefix: request.glueDatabasePrefix} : {}),
    ...(request.catalogId ? {catalogId: request.catalogId} : {}),
    ...(request.athenaWorkgroup ? {athenaWorkgroup: request.athenaWorkgroup} : {}),
    ...(request.athenaOutput ? {athenaOutput: request.athenaOutput} : {}),
    ...(request.athenaPricePerTb !== undefined ? {athenaPricePerTb: request.athenaPricePerTb} : {}),
    ...(request.awsProfile ? {awsProfile: request.awsProfile} : {}),
    ...(request.pathStyle ? {pathStyle: true} : {}),
    ...(request.metrics === false ? {metrics: false} : {}),
    ...(request.metricsProfile ? {metricsProfile: request.metricsProfile} : {}),
    ...(request.notifyTopicArn ? {notifyTopicArn: request.notifyTopicArn} : {}),
    ...(request.notify ? {notify: true} : {}),
    ...(request.openSearchEndpoint ? {openSearchEndpoint: request.openSearchEndpoint.replace(/\/+$/, '')} : {}),
  }
}
