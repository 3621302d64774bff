import {createHash, randomBytes} from 'node:crypto'
import {mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createS3ObjectStore} from '../../src/backends/aws/object-store.js'
import {S3Facade} from '../../src/backends/aws/s3.js'
import {createLocalObjectStore} from '../../src/backends/local/object-store.js'
import type {ObjectStore} from '../../src/backends/types.js'
import type {LabmeshError} from '../../src/errors.js'
import {readObject} from '../../src/files/read-object.js'
import {TEST_KMS_KEY, testClientConfig} from '../support/aws/clients.js'
import {TestS3} from '../support/aws/s3-server.js'

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/** What every ObjectStore promises: content addressing, dedup, streamed reads, nothing partial. */
function objectStoreContract(name: string, open: () => Promise<{objects: ObjectStore; close(): Promise<void>}>): void {
  describe(`${name}: the object store contract`, function () {
    this.timeout(120_000)
    let opened: Awaited<ReturnType<typeof open>>
    let folder: string
    beforeEach(async () => {
      opened = await open()
      folder = mkdtempSync(path.join(tmpdir(), 'labmesh-objects-src-'))
    })
    afterEach(async () => {
      await opened.close()
      rmSync(folder, {recursive: true, force: true})
    })

    it('stores bytes once by their sha256, per category, and reads them back whole', async () => {
      const {objects} = opened
      const bytes = randomBytes(3000)
      expect(await objects.putBytes(bytes)).to.deep.equal({sha256: sha(bytes), size: 3000, created: true})
      expect(await objects.putBytes(bytes)).to.deep.equal({sha256: sha(bytes), size: 3000, created: false})
      const document = Buffer.from('{"engineered": true}')
      await objects.putBytes(document, {category: 'ENGINEERED'})
      expect(await objects.has(sha(bytes))).to.equal(true)
      expect(await objects.has(sha(document), 'ENGINEERED')).to.equal(true)
      expect(await objects.has(sha(randomBytes(8)))).to.equal(false)
      const backend = {objects} as never
      expect((await readObject(backend, {sha256: sha(bytes), category: 'RAW'})).equals(bytes)).to.equal(true)
      expect((await readObject(backend, {sha256: sha(document), category: 'ENGINEERED'})).equals(document)).to.equal(true)
      const missing = (await objects.openRead('0'.repeat(64)).catch((e: unknown) => e)) as LabmeshError
      expect(missing.code).to.equal('NOT_FOUND')
      expect(((await objects.has('not-a-digest').catch((e: unknown) => e)) as LabmeshError).code).to.equal('INVALID_INPUT')
    })

    it('streams files in, small and large (multipart where the backend has it), byte-exact', async () => {
      const {objects} = opened
      for (const size of [10, 12 * 1024 * 1024 + 17]) {
        const file = path.join(folder, `f-${size}`)
        const bytes = randomBytes(size)
        writeFileSync(file, bytes)
        let reported = 0
        const stored = await objects.putFile(file, {onBytes: (n) => (reported += n)})
        expect(stored).to.deep.equal({sha256: sha(bytes), size, created: true})
        expect(reported).to.equal(size)
        expect((await objects.putFile(file)).created).to.equal(false)
        expect((await readObject({objects} as never, {sha256: stored.sha256, category: 'RAW'})).equals(bytes)).to.equal(true)
      }
    })

    it('group commit: objects staged together are stored once each when published, and read back whole', async () => {
      const {objects} = opened
      const plate = randomBytes(2000)
      const document = Buffer.from(`{"engineered": "${sha(plate)}"}`)
      const file = path.join(folder, 'export.csv')
      const exported = randomBytes(5000)
      writeFileSync(file, exported)
      let reported = 0
      const staged = [
        await objects.stageBytes(plate),
        await objects.stageBytes(plate),
        await objects.stageBytes(document, {category: 'ENGINEERED'}),
        await objects.stageFile(file, {onBytes: (n) => (reported += n)}),
      ]
      expect(staged.map(({sha256, size}) => ({sha256, size}))).to.deep.equal([
        {sha256: sha(plate), size: 2000},
        {sha256: sha(plate), size: 2000},
        {sha256: sha(document), size: document.length},
        {sha256: sha(exported), size: 5000},
      ])
      expect(reported).to.equal(5000)
      await objects.publish(staged)
      await objects.publish([])
      expect((await readObject({objects} as never, {sha256: sha(plate), category: 'RAW'})).equals(plate)).to.equal(true)
      expect((await readObject({objects} as never, {sha256: sha(exported), category: 'RAW'})).equals(exported)).to.equal(true)
      expect((await readObject({objects} as never, {sha256: sha(document), category: 'ENGINEERED'})).equals(document)).to.equal(true)
      // Once published, the same bytes staged again are known to be stored.
      const again = await objects.stageBytes(plate)
      expect(again.created).to.equal(false)
      await objects.publish([again])
      expect((await objects.stageFile(file)).created).to.equal(false)
    })
  })
}

objectStoreContract('local files', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'labmesh-objects-'))
  return {
    objects: createLocalObjectStore({root: path.join(root, 'objects'), tempDir: root}),
    close: async () => rmSync(root, {recursive: true, force: true}),
  }
})

// The real S3 protocol: s3rver behind the recording proxy. Multipart from 6 MiB in 5 MiB parts, so a 12 MiB file takes three.
const s3 = new TestS3()
objectStoreContract('S3 (s3rver)', async () => {
  if (!s3.endpoint) await s3.start()
  const facade = await S3Facade.create(await testClientConfig(s3.endpoint), {
    bucket: s3.bucket,
    kmsKeyId: TEST_KMS_KEY,
    pathStyle: true,
    partSize: 5 * 1024 * 1024,
  })
  return {
    objects: createS3ObjectStore(facade, {prefix: 'objects/', multipartThreshold: 6 * 1024 * 1024}),
    close: async () => facade.destroy(),
  }
})

/** Real: objects on the local filesystem. */
describe('local object store: group commit', () => {
  let root: string
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-objects-'))
  })
  afterEach(() => rmSync(root, {recursive: true, force: true}))

  it('a staged object is invisible until published; publishing leaves no temp file', async () => {
    const store = createLocalObjectStore({root: path.join(root, 'objects'), tempDir: root})
    const a = await store.stageBytes(Buffer.from('plate A\n'))
    const b = await store.stageFile(path.join(import.meta.dirname, 'object-store.test.ts'))
    expect(a.created).to.equal(true)
    expect(await store.has(a.sha256), 'a record must not point at an object before it is durable').to.equal(false)
    await store.publish([a, b])
    expect(await store.has(a.sha256)).to.equal(true)
    expect(await store.has(b.sha256)).to.equal(true)
    expect(readdirSync(root).filter((name) => name.endsWith('.part'))).to.deep.equal([])
  })
})

describe('S3 object store requests', function () {
  this.timeout(120_000)
  after(async () => {
    if (s3.endpoint) await s3.stop()
  })

  it('sends large files in encrypted parts with SHA256 part checksums, and small ones as one conditional encrypted PutObject', async () => {
    if (!s3.endpoint) await s3.start()
    const created = s3.requests.filter((r) => r.method === 'POST' && /[?&]uploads/.test(r.url))
    expect(created).to.have.length(1)
    expect(created[0].headers).to.include({
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': TEST_KMS_KEY,
      'x-amz-checksum-algorithm': 'SHA256',
    })
    const parts = s3.requests.filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url))
    expect(parts).to.have.length(3)
    for (const part of parts) expect(part.headers['x-amz-checksum-sha256']).to.be.a('string')
    const small = s3.matching('PUT', /^\/labmesh-test\/objects\/raw\//).filter((r) => !r.url.includes('partNumber'))
    expect(small.length).to.be.greaterThan(0)
    for (const put of small) {
      expect(put.headers).to.include({'if-none-match': '*', 'x-amz-server-side-encryption': 'aws:kms'})
      expect(put.headers['x-amz-checksum-sha256']).to.be.a('string')
    }
    expect(s3.matching('PUT', /^\/labmesh-test\/objects\/engineered\/[0-9a-f]{2}\/[0-9a-f]{64}$/)).to.have.length(2)
  })
})
