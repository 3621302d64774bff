import {randomUUID} from 'node:crypto'
import {lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import type {LabmeshError} from '../../../src/errors.js'
import {TestS3} from '../../support/aws/s3-server.js'
import {testS3Storage} from '../../support/aws/clients.js'
import {storageContract} from './contract.js'

// The real S3 protocol: s3rver on 127.0.0.1 behind the proxy that implements If-None-Match and records headers.
describe('S3 table storage', function () {
  this.timeout(60_000)
  const s3 = new TestS3()
  before(async () => {
    await s3.start()
  })
  after(async () => {
    await s3.stop()
  })

  storageContract('S3 (s3rver)', () => testS3Storage(s3, `s3://${s3.bucket}/tables/${randomUUID()}`))

  it('sends a commit again when S3 answers 409 ConditionalRequestConflict, and writes every object SSE-KMS', async () => {
    const location = `s3://${s3.bucket}/tables/${randomUUID()}`
    const {storage, remove} = await testS3Storage(s3, location)
    try {
      const key = new RegExp(`${location.slice(5)}/_delta_log/00000000000000000000\\.json$`)
      s3.inject({
        method: 'PUT',
        path: key,
        error: {
          status: 409,
          code: 'ConditionalRequestConflict',
          message: 'A conflicting conditional operation is currently in progress against this resource.',
        },
      })
      await storage.log.putIfAbsent('_delta_log/00000000000000000000.json', 'commit\n')
      expect((await storage.objects.get('_delta_log/00000000000000000000.json')).toString()).to.equal('commit\n')
      const puts = s3.matching('PUT', key)
      expect(puts).to.have.length(2)
      for (const put of puts) {
        expect(put.headers['if-none-match']).to.equal('*')
        expect(put.headers['x-amz-server-side-encryption']).to.equal('aws:kms')
      }
    } finally {
      await remove()
    }
  })

  it('retries throttling (503 SlowDown) within the SDK, unseen by the caller', async () => {
    const {storage, remove} = await testS3Storage(s3, `s3://${s3.bucket}/tables/${randomUUID()}`)
    try {
      s3.inject({
        method: 'PUT',
        path: /\/_last_checkpoint$/,
        error: {status: 503, code: 'SlowDown', message: 'Please reduce your request rate.'},
      })
      await storage.objects.put('_delta_log/_last_checkpoint', '{"version":0,"size":1}')
      expect((await storage.objects.get('_delta_log/_last_checkpoint')).toString()).to.equal('{"version":0,"size":1}')
      expect(s3.matching('PUT', /\/_last_checkpoint$/).length).to.be.at.least(2)
    } finally {
      await remove()
    }
  })

  it('reads a data file from the bucket, never through a link planted at its place in the cache', async () => {
    const location = `s3://${s3.bucket}/tables/${randomUUID()}`
    const {storage, cacheDir, remove} = await testS3Storage(s3, location)
    try {
      await storage.objects.put('part-0.parquet', 'rows from S3')
      const outside = path.join(cacheDir, '..', `outside-${randomUUID()}`)
      writeFileSync(outside, 'rows from elsewhere')
      const cached = path.join(cacheDir, s3.bucket, ...location.slice(`s3://${s3.bucket}/`.length).split('/'), 'part-0.parquet')
      mkdirSync(path.dirname(cached), {recursive: true})
      symlinkSync(outside, cached)
      const local = await storage.engine.localPath('part-0.parquet')
      expect(readFileSync(local, 'utf8')).to.equal('rows from S3')
      expect(lstatSync(local).isFile()).to.equal(true)
      expect(readFileSync(outside, 'utf8')).to.equal('rows from elsewhere')
      rmSync(outside)
    } finally {
      await remove()
    }
  })

  it('refuses a location outside its bucket', async () => {
    const error = await testS3Storage(s3, 's3://another-bucket/t').catch((e: unknown) => e)
    expect((error as LabmeshError).code).to.equal('INVALID_INPUT')
    expect((error as LabmeshError).message).to.include('s3://another-bucket/t')
  })
})
