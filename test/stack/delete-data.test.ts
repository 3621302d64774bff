import {KMSClient, ScheduleKeyDeletionCommand} from '@aws-sdk/client-kms'
import {DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand, S3Client} from '@aws-sdk/client-s3'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import type {LabmeshError} from '../../src/errors.js'
import {deleteLakeData} from '../../src/stack/delete-data.js'

/** `stack delete --delete-data` at the S3 and KMS contracts (aws-sdk-client-mock in process; shapes from the API references). */
describe('stack delete --delete-data', () => {
  // Mocks patch every client of their class in this process: made here, and restored after, so other files' real clients stay real.
  const mocks = () => ({s3: mockClient(S3Client), kms: mockClient(KMSClient)})
  let s3: ReturnType<typeof mocks>['s3']
  let kms: ReturnType<typeof mocks>['kms']
  before(() => ({s3, kms} = mocks()))
  after(() => {
    s3.restore()
    kms.restore()
  })
  beforeEach(() => {
    s3.reset()
    kms.reset()
  })
  const clients = () => ({s3: new S3Client({region: 'eu-west-1'}), kms: new KMSClient({region: 'eu-west-1'})})
  const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'

  it('deletes every version and delete marker page by page, then the bucket, then schedules the key', async () => {
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({
        IsTruncated: true,
        NextKeyMarker: 'raw/ab/2',
        NextVersionIdMarker: 'v2',
        Versions: [
          {Key: 'raw/ab/1', VersionId: 'v1'},
          {Key: 'raw/ab/2', VersionId: 'v2'},
        ],
        DeleteMarkers: [{Key: 'lake/old', VersionId: 'd1'}],
      })
      .resolvesOnce({IsTruncated: false, Versions: [{Key: 'raw/cd/3', VersionId: 'v3'}]})
    s3.on(DeleteObjectsCommand).resolves({Deleted: []})
    s3.on(DeleteBucketCommand).resolves({})
    const deletionDate = new Date('2026-12-07T00:00:00Z')
    kms
      .on(ScheduleKeyDeletionCommand)
      .resolves({KeyId: keyArn, DeletionDate: deletionDate, KeyState: 'PendingDeletion', PendingWindowInDays: 7})

    const result = await deleteLakeData(clients(), 'lab-lakebucket', keyArn)
    expect(result).to.deep.equal({objectVersions: 4, bucket: 'lab-lakebucket', keyDeletionDate: deletionDate.toISOString()})
    const lists = s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)
    expect(lists[1]).to.include({KeyMarker: 'raw/ab/2', VersionIdMarker: 'v2'})
    expect(s3.commandCalls(DeleteObjectsCommand)[0].args[0].input.Delete!.Objects).to.deep.equal([
      {Key: 'raw/ab/1', VersionId: 'v1'},
      {Key: 'raw/ab/2', VersionId: 'v2'},
      {Key: 'lake/old', VersionId: 'd1'},
    ])
    expect(s3.commandCalls(DeleteBucketCommand)).to.have.length(1)
    expect(kms.commandCalls(ScheduleKeyDeletionCommand)[0].args[0].input).to.deep.equal({KeyId: keyArn, PendingWindowInDays: 7})
  })

  it('stops before the bucket and the key when S3 keeps an object', async () => {
    s3.on(ListObjectVersionsCommand).resolves({IsTruncated: false, Versions: [{Key: 'raw/ab/1', VersionId: 'v1'}]})
    s3.on(DeleteObjectsCommand).resolves({Errors: [{Key: 'raw/ab/1', VersionId: 'v1', Code: 'AccessDenied', Message: 'Access Denied'}]})
    const error = await deleteLakeData(clients(), 'lab-lakebucket', keyArn).catch((e: unknown) => e)
    expect((error as LabmeshError).code).to.equal('FORBIDDEN')
    expect((error as LabmeshError).message)
      .to.include('s3:DeleteObjectVersion on arn:aws:s3:::lab-lakebucket/raw/ab/1')
      .and.include('Access Denied')
    expect(s3.commandCalls(DeleteBucketCommand)).to.have.length(0)
    expect(kms.commandCalls(ScheduleKeyDeletionCommand)).to.have.length(0)
  })
})
