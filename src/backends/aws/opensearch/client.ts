import type {Client} from '@opensearch-project/opensearch'

import type {AwsProfileSettings} from '../../../config/profiles.js'
import {LabmeshError} from '../../../errors.js'
import {resolvedRegion, type SharedClientConfig} from '../client-config.js'

/** The index labmesh keeps on the profile's OpenSearch endpoint. */
export function openSearchIndexName(settings: Pick<AwsProfileSettings, 'openSearchIndex'>): string {
  return settings.openSearchIndex ?? 'labmesh-files'
}

/** Which AWS service signs the requests: a managed domain (`es`) or a serverless collection (`aoss`). */
export type OpenSearchService = 'es' | 'aoss'

/** Serverless collections live under `*.aoss.amazonaws.com`; every other endpoint is signed as a managed domain. */
export function openSearchService(endpoint: string, configured?: OpenSearchService): OpenSearchService {
  if (configured) return configured
  return new URL(endpoint).hostname.endsWith('.aoss.amazonaws.com') ? 'aoss' : 'es'
}

/**
 * The official client, every request signed with SigV4 (its AwsSigv4Signer) from the profile's
 * credential chain and region. Imported when first used, so commands that never search do not
 * load it. The client's own retries are off: bulk.ts retries what is worth retrying, per item.
 */
export async function openSearchClient(endpoint: string, config: SharedClientConfig, service: OpenSearchService): Promise<Client> {
  const [{Client: OpenSearchClient}, {AwsSigv4Signer}] = await Promise.all([
    import('@opensearch-project/opensearch'),
    import('@opensearch-project/opensearch/aws-v3'),
  ])
  const region = await resolvedRegion(config)
  if (!region) {
    throw new LabmeshError('USAGE', `no AWS region to sign requests to OpenSearch at ${endpoint}`, {
      suggestions: ['set the profile region (labmesh init --region) or AWS_REGION'],
    })
  }
  return new OpenSearchClient({
    ...AwsSigv4Signer({region, service, getCredentials: () => config.credentials()}),
    node: endpoint,
    maxRetries: 0,
    requestTimeout: 120_000,
  })
}

/** The HTTP status of a failed request, when OpenSearch answered. */
export function statusOf(error: unknown): number | undefined {
  const meta = (error as {meta?: {statusCode?: number}} | undefined)?.meta
  return typeof meta?.statusCode === 'number' ? meta.statusCode : undefined
}

/** Throttled or failing for a while: worth the same request again after a pause. */
export const isRetryable = (status: number | undefined): boolean => status === undefined || status === 429 || status >= 500

/** OpenSearch's reason for a refusal (`error.reason` of its JSON), else the client's message. */
function reasonOf(error: unknown): string {
  const body = (error as {meta?: {body?: {error?: {reason?: string; root_cause?: {reason?: string}[]} | string}}}).meta?.body
  const detail = typeof body?.error === 'string' ? body.error : (body?.error?.root_cause?.[0]?.reason ?? body?.error?.reason)
  return detail ?? (error instanceof Error ? error.message : String(error))
}

/** A failed request as a LabmeshError naming what was asked of which index. */
export function openSearchError(error: unknown, what: string): LabmeshError {
  if (error instanceof LabmeshError) return error
  const status = statusOf(error)
  const message = `OpenSearch ${what}: ${reasonOf(error)}`
  if (status === 401)
    return new LabmeshError('UNAUTHORIZED', message, {cause: error, suggestions: ['check the AWS credentials of the profile']})
  if (status === 403) {
    return new LabmeshError('FORBIDDEN', message, {
      cause: error,
      suggestions: ["the caller needs es:ESHttp* on the domain (or the collection's data access policy, aoss:*Document and aoss:*Index)"],
    })
  }
  if (status === 404)
    return new LabmeshError('NOT_FOUND', message, {cause: error, suggestions: ['labmesh search reindex creates and fills the index']})
  if (status === 400) return new LabmeshError('INVALID_INPUT', message, {cause: error})
  return new LabmeshError('BACKEND', message, {cause: error})
}
