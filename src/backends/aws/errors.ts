import {isLabmeshError, LabmeshError} from '../../errors.js'

/** What an AWS call was doing, for the error it may raise: `s3:PutObject` on `s3://bucket/key`. */
export interface AwsCall {
  action: string
  resource: string
}

interface SdkError {
  name?: string
  message?: string
  code?: string
  Code?: string
  $metadata?: {httpStatusCode?: number}
  $retryable?: unknown
}

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'Forbidden', 'AuthorizationError', 'UnauthorizedOperation'])
const CREDENTIALS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
])
const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'SlowDown',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
])
const MISSING = new Set([
  'NoSuchKey',
  'NotFound',
  'NoSuchBucket',
  'EntityNotFoundException',
  'ResourceNotFoundException',
  'NotFoundException',
])
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH'])
const KMS = new Set([
  'KMS.DisabledException',
  'KMS.KMSInvalidStateException',
  'KMS.NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
])

/**
 * The one mapper from AWS SDK errors (by `name` and `$metadata.httpStatusCode`) to LabmeshError:
 * access denied -> FORBIDDEN naming the action and resource; missing or expired credentials ->
 * UNAUTHORIZED with the fix; throttling that outlasted the SDK's retries, network failures and
 * service errors -> BACKEND; a missing object or entity -> NOT_FOUND.
 */
export function awsError(error: unknown, call: AwsCall): LabmeshError {
  if (isLabmeshError(error)) return error
  const e = (error ?? {}) as SdkError
  const name = e.name ?? e.Code ?? e.code ?? 'Error'
  const status = e.$metadata?.httpStatusCode
  const message = e.message && e.message !== name ? e.message : ''
  const what = `${call.action} on ${call.resource}`
  if (DENIED.has(name) || (status === 403 && !CREDENTIALS.has(name))) {
    return new LabmeshError('FORBIDDEN', `access denied: ${what}${message ? ` (${message})` : ''}`, {
      cause: error,
      subject: call.resource,
      suggestions: [
        `allow ${call.action} on ${call.resource} for this identity`,
        '`labmesh doctor --policy` prints the policy each role needs',
      ],
    })
  }
  if (CREDENTIALS.has(name) || /credential|security token/i.test(name)) {
    return new LabmeshError('UNAUTHORIZED', `no valid AWS credentials for ${what}: ${message || name}`, {
      cause: error,
      subject: call.resource,
      suggestions: [
        'for SSO: `aws sso login --profile <name>`; for keys: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)',
        "name a shared-config profile with the labmesh profile's --aws-profile, or AWS_PROFILE",
      ],
    })
  }
  if (KMS.has(name)) {
    return new LabmeshError('BACKEND', `the KMS key cannot be used for ${what}: ${message || name}`, {
      cause: error,
      subject: call.resource,
      suggestions: ['check that the key is enabled and that this identity may use it (`labmesh doctor`)'],
    })
  }
  if (MISSING.has(name) || status === 404) {
    return new LabmeshError(
      'NOT_FOUND',
      `${call.resource} does not exist (${call.action}${name === 'NoSuchBucket' ? ': no such bucket' : ''})`,
      {
        cause: error,
        subject: call.resource,
      },
    )
  }
  if (THROTTLED.has(name) || status === 429 || status === 503) {
    return new LabmeshError('BACKEND', `AWS kept throttling ${what} after retries: ${message || name}`, {
      cause: error,
      subject: call.resource,
      suggestions: ['run again later, or with a lower --concurrency'],
    })
  }
  if (NETWORK.has(name) || NETWORK.has(e.code ?? '') || name === 'TimeoutError' || status === undefined) {
    return new LabmeshError('BACKEND', `cannot reach AWS for ${what}: ${message || name}`, {
      cause: error,
      subject: call.resource,
      suggestions: ['check the network, the region and any AWS_ENDPOINT_URL settings; then run again'],
    })
  }
  return new LabmeshError('BACKEND', `${what} failed: ${name}${message ? `: ${message}` : ''} (HTTP ${status})`, {
    cause: error,
    subject: call.resource,
  })
}

/** Runs one SDK call, mapping its failure. */
export async function awsCall<T>(call: AwsCall, send: () => Promise<T>): Promise<T> {
  try {
    return await send()
  } catch (error) {
    throw awsError(error, call)
  }
}

/** A key DeleteObjects could not delete (an `Errors` entry of its HTTP 200 answer), mapped by its code like any failure. */
export function deleteObjectsError(failed: {Code?: string; Message?: string}, call: AwsCall): LabmeshError {
  const error = Object.assign(new Error(failed.Message ?? failed.Code ?? 'delete failed'), {
    name: failed.Code ?? 'Error',
    $metadata: {httpStatusCode: 200},
  })
  return awsError(error, call)
}

/** The error's name as the SDK gives it, for callers that expect one (PreconditionFailed, AlreadyExistsException...). */
export function awsErrorName(error: unknown): string | undefined {
  const e = error as SdkError | undefined
  return e?.name ?? e?.Code
}
