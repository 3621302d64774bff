import type {ObjectIdentifier, S3Client} from '@aws-sdk/client-s3'
import type {KMSClient} from '@aws-sdk/client-kms'

import {awsCall, deleteObjectsError} from '../backends/aws/errors.js'

export interface DeletedData {
  objectVersions: number
  bucket: string
  /** When KMS will delete the key (it waits at least 7 days, and can be cancelled meanwhile). */
  keyDeletionDate?: string
}

// KMS's shortest waiting period: a key deleted by mistake can still be restored for a week.
const KEY_PENDING_DAYS = 7

/**
 * What `stack delete --delete-data` removes after the stack is gone (its bucket and key are kept by
 * their Retain policy): every version of every object and the bucket, then the key, scheduled.
 */
export async function deleteLakeData(
  clients: {s3: S3Client; kms: KMSClient},
  bucket: string,
  keyArn: string | undefined,
): Promise<DeletedData> {
  const {ListObjectVersionsCommand, DeleteObjectsCommand, DeleteBucketCommand} = await import('@aws-sdk/client-s3')
  let deleted = 0
  let keyMarker: string | undefined
  let versionMarker: string | undefined
  // Each page is deleted before the next is listed from its markers, which stay valid: the listing never skips.
  for (;;) {
    const page = await awsCall({action: 's3:ListBucketVersions', resource: `arn:aws:s3:::${bucket}`}, () =>
      clients.s3.send(new ListObjectVersionsCommand({Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionMarker, MaxKeys: 1000})),
    )
    const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key!,
      VersionId: v.VersionId,
    }))
    if (objects.length > 0) {
      const result = await awsCall({action: 's3:DeleteObjectVersion', resource: `arn:aws:s3:::${bucket}/*`}, () =>
        clients.s3.send(new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: objects, Quiet: true}})),
      )
      const failed = result.Errors?.[0]
      if (failed)
        throw deleteObjectsError(failed, {action: 's3:DeleteObjectVersion', resource: `arn:aws:s3:::${bucket}/${failed.Key ?? '*'}`})
      deleted += objects.length
    }
    if (!page.IsTruncated) break
    keyMarker = page.NextKeyMarker
    versionMarker = page.NextVersionIdMarker
  }
  await awsCall({action: 's3:DeleteBucket', resource: `arn:aws:s3:::${bucket}`}, () =>
    clients.s3.send(new DeleteBucketCommand({Bucket: bucket})),
  )
  if (!keyArn) return {objectVersions: deleted, bucket}
  const {ScheduleKeyDeletionCommand} = await import('@aws-sdk/client-kms')
  const scheduled = await awsCall({action: 'kms:ScheduleKeyDeletion', resource: keyArn}, () =>
    clients.kms.send(new ScheduleKeyDeletionCommand({KeyId: keyArn, PendingWindowInDays: KEY_PENDING_DAYS})),
  )
  return {objectVersions: deleted, bucket, keyDeletionDate: scheduled.DeletionDate?.toISOString()}
}
