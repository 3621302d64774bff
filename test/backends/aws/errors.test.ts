import {expect} from 'chai'

import {awsError} from '../../../src/backends/aws/errors.js'

const failure = (name: string, status: number | undefined, message = 'x', extra: object = {}) =>
  Object.assign(new Error(message), {name, ...(status === undefined ? {} : {$metadata: {httpStatusCode: status}}), ...extra})
const call = {action: 's3:PutObject', resource: 's3://acme-lake/raw/ab/abcd'}

// The one mapper from SDK errors (by name and HTTP status, as the AWS API references document them) to labmesh's codes.
describe('AWS error mapping', () => {
  it('AccessDenied -> FORBIDDEN (exit 4), naming the action and the resource, with the policy hint', () => {
    for (const error of [failure('AccessDenied', 403, 'Access Denied'), failure('AccessDeniedException', 400), failure('Unknown', 403)]) {
      const mapped = awsError(error, call)
      expect(mapped.code).to.equal('FORBIDDEN')
      expect(mapped.exitCode).to.equal(4)
      expect(mapped.message).to.include('s3:PutObject on s3://acme-lake/raw/ab/abcd')
      expect(mapped.suggestions.join(' ')).to.include('labmesh doctor --policy')
    }
  })

  it('missing or expired credentials -> UNAUTHORIZED with how to get them', () => {
    for (const error of [
      failure('CredentialsProviderError', undefined, 'Could not load credentials from any providers'),
      failure('ExpiredToken', 400, 'The provided token has expired.'),
      failure('ExpiredTokenException', 400),
      failure('InvalidAccessKeyId', 403),
      failure('SignatureDoesNotMatch', 403),
    ]) {
      const mapped = awsError(error, call)
      expect(mapped.code, error.name).to.equal('UNAUTHORIZED')
      expect(mapped.suggestions.join(' ')).to.include('aws sso login')
    }
  })

  it('throttling that outlasted the retries, network failures and service errors -> BACKEND (exit 5)', () => {
    for (const error of [
      failure('ThrottlingException', 400),
      failure('SlowDown', 503),
      failure('TimeoutError', undefined),
      failure('Error', undefined, 'connect ECONNREFUSED 127.0.0.1:9', {code: 'ECONNREFUSED'}),
      failure('InternalError', 500),
    ]) {
      const mapped = awsError(error, call)
      expect(mapped.code, error.name).to.equal('BACKEND')
      expect(mapped.exitCode).to.equal(5)
      expect(mapped.message).to.include('s3:PutObject')
    }
    expect(awsError(failure('Error', undefined, 'x', {code: 'ENOTFOUND'}), call).message).to.include('cannot reach AWS')
  })

  it('a missing object, bucket or entity -> NOT_FOUND; a disabled KMS key -> BACKEND with the fix', () => {
    expect(awsError(failure('NoSuchKey', 404), call).code).to.equal('NOT_FOUND')
    expect(awsError(failure('NoSuchBucket', 404), call).message).to.include('no such bucket')
    expect(awsError(failure('EntityNotFoundException', 400), call).code).to.equal('NOT_FOUND')
    const kms = awsError(failure('KMS.DisabledException', 400, 'arn:aws:kms:... is disabled.'), call)
    expect(kms.code).to.equal('BACKEND')
    expect(kms.suggestions.join(' ')).to.include('doctor')
  })
})
