import {randomUUID} from 'node:crypto'
import {expect} from 'chai'

import {LabmeshError} from '../../../src/errors.js'
import {MANIFEST_DIR, SYMLINK_MANIFEST_PROPERTY} from '../../../src/lake/delta/manifest.js'
import {field} from '../../../src/lake/delta/schema.js'
import {listAll, type LakeStorage} from '../../../src/lake/delta/storage.js'
import {DeltaTable} from '../../../src/lake/delta/table.js'
import {testS3Storage} from '../../support/aws/clients.js'
import {TestS3} from '../../support/aws/s3-server.js'
import {query, tempDir} from './support.js'

const ENABLED = {[SYMLINK_MANIFEST_PROPERTY]: 'true'}

/**
 * Symlink manifests on real tables in temp folders, read back the way a manifest reader does: each
 * line a data file whose rows DuckDB reads. Expected files come from the folder listing, not the log.
 */
describe('Delta symlink manifests', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => (temp = await tempDir('labmesh manifest ')))
  afterEach(async () => temp.remove())

  /** Manifest path -> the lines it lists. */
  const manifests = async (storage: LakeStorage = temp.storage) => {
    const found = new Map<string, string[]>()
    for (const object of await listAll(storage.objects, `${MANIFEST_DIR}/`))
      found.set(object.path, (await storage.objects.get(object.path)).toString('utf8').trimEnd().split('\n'))
    return found
  }
  /** The rows a manifest reader sees: every file every manifest lists, read with DuckDB. */
  const readerRows = async () => {
    const files = [...(await manifests()).values()].flat().map((line) => line.replace(/^file:/, ''))
    if (files.length === 0) return []
    const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')
    return query(`SELECT id::VARCHAR AS id, value FROM read_parquet([${list}]) ORDER BY id`)
  }
  const tableRows = async (table: DeltaTable) => query(`SELECT id::VARCHAR AS id, value FROM (${await table.scanSql()}) ORDER BY id`)
  /** The data files on disk that the table's rows are in, found by reading them (not from the log). */
  const expectManifestsMatch = async (table: DeltaTable) => {
    expect(await readerRows()).to.deep.equal(await tableRows(table))
    const listed = [...(await manifests()).values()].flat()
    expect(new Set(listed).size, 'each file once').to.equal(listed.length)
    expect(listed.length).to.equal((await table.snapshot()).files.length)
  }

  it('lists an unpartitioned table’s files in one manifest, with absolute paths, after every append', async () => {
    const table = await DeltaTable.create(temp.storage, {columns: [field('id', 'long'), field('value', 'double')], configuration: ENABLED})
    await table.append([{id: 1n, value: 1.5}])
    await table.append([{id: 2n, value: 2.5}])
    const found = await manifests()
    expect([...found.keys()]).to.deep.equal([`${MANIFEST_DIR}/manifest`])
    for (const line of found.get(`${MANIFEST_DIR}/manifest`)!) expect(line).to.match(new RegExp(`^file:${temp.dir}/part-[^/]+\\.parquet$`))
    await expectManifestsMatch(table)
    expect(await readerRows()).to.have.length(2)
  })

  it('keeps one manifest per partition, with escaped values, through replaceWhere, delete, optimize and vacuum', async () => {
    const table = await DeltaTable.create(temp.storage, {
      columns: [field('id', 'long'), field('plate', 'string'), field('value', 'double')],
      partitionColumns: ['plate'],
      configuration: ENABLED,
    })
    const plates = ['Plate 1', 'a/b', '50%', 'x=y', 'é']
    for (const [i, plate] of plates.entries()) await table.append([{id: BigInt(i), plate, value: i}])
    await table.append([{id: 10n, plate: null, value: 10}])
    await table.append([{id: 11n, plate: 'Plate 1', value: 11}])
    expect([...(await manifests()).keys()].sort()).to.deep.equal(
      [
        `${MANIFEST_DIR}/plate=Plate 1/manifest`,
        `${MANIFEST_DIR}/plate=a%2Fb/manifest`,
        `${MANIFEST_DIR}/plate=50%25/manifest`,
        `${MANIFEST_DIR}/plate=x%3Dy/manifest`,
        `${MANIFEST_DIR}/plate=é/manifest`,
        `${MANIFEST_DIR}/plate=__HIVE_DEFAULT_PARTITION__/manifest`,
      ].sort(),
    )
    expect((await manifests()).get(`${MANIFEST_DIR}/plate=Plate 1/manifest`)).to.have.length(2)
    await expectManifestsMatch(table)

    await table.replaceWhere({sql: 'plate = $plate', params: {plate: 'Plate 1'}}, [{id: 20n, plate: 'Plate 1', value: 20}])
    expect((await manifests()).get(`${MANIFEST_DIR}/plate=Plate 1/manifest`)).to.have.length(1)
    await expectManifestsMatch(table)

    await table.deleteWhere({sql: 'plate = $plate', params: {plate: 'a/b'}})
    expect((await manifests()).has(`${MANIFEST_DIR}/plate=a%2Fb/manifest`), 'an emptied partition loses its manifest').to.equal(false)
    await expectManifestsMatch(table)

    await table.append([{id: 21n, plate: 'Plate 1', value: 21}])
    const optimized = await table.optimize()
    expect(optimized.filesRemoved).to.be.greaterThan(0)
    expect((await manifests()).get(`${MANIFEST_DIR}/plate=Plate 1/manifest`)).to.have.length(1)
    await expectManifestsMatch(table)

    const vacuumed = await table.vacuum({now: Date.now() + 169 * 3_600_000})
    expect(vacuumed.files.length).to.be.greaterThan(0)
    await expectManifestsMatch(table)
  })

  it('writes every manifest when the property is set on an existing table, and setting it again commits nothing', async () => {
    const table = await DeltaTable.create(temp.storage, {
      columns: [field('id', 'long'), field('plate', 'string'), field('value', 'double')],
      partitionColumns: ['plate'],
    })
    await table.append([
      {id: 1n, plate: 'p1', value: 1},
      {id: 2n, plate: 'p2', value: 2},
    ])
    expect(await manifests()).to.have.property('size', 0)
    const commit = await table.setProperties(ENABLED)
    expect(commit?.manifest).to.include({written: 2, deleted: 0})
    expect((await table.history()).at(-1)?.commitInfo?.operation).to.equal('SET TBLPROPERTIES')
    await expectManifestsMatch(table)
    expect(await table.setProperties(ENABLED)).to.equal(undefined)
  })

  it('repairs manifests left stale by a writer that stopped between its commit and its manifests', async () => {
    const table = await DeltaTable.create(temp.storage, {
      columns: [field('id', 'long'), field('plate', 'string'), field('value', 'double')],
      partitionColumns: ['plate'],
      configuration: ENABLED,
    })
    await table.append([
      {id: 1n, plate: 'p1', value: 1},
      {id: 2n, plate: 'p2', value: 2},
    ])
    // The same table through storage whose manifest writes fail, as a writer killed after its commit.
    const failing: LakeStorage = {
      ...temp.storage,
      location: temp.storage.location,
      objects: {
        ...temp.storage.objects,
        get: (p) => temp.storage.objects.get(p),
        head: (p) => temp.storage.objects.head(p),
        list: (prefix, after) => temp.storage.objects.list(prefix, after),
        deleteMany: (paths) => temp.storage.objects.deleteMany(paths),
        put: async (p, bytes) => {
          if (p.startsWith(MANIFEST_DIR)) throw new Error('killed')
          return temp.storage.objects.put(p, bytes)
        },
      },
    }
    const write = await new DeltaTable(failing).replaceWhere({sql: `plate = 'p1'`}, [{id: 3n, plate: 'p3', value: 3}])
    expect(write.commit?.manifestError, 'the commit stands and says why').to.be.instanceOf(LabmeshError)
    expect(await readerRows()).not.to.deep.equal(await tableRows(table))

    const repaired = await table.manifests()
    expect(repaired).to.include({version: (await table.snapshot()).version, written: 2, deleted: 1})
    await expectManifestsMatch(table)
    expect(await table.manifests(), 'idempotent').to.include({written: 2, deleted: 0})
  })

  it('refuses a table with column mapping, whose Parquet names a manifest reader would see', async () => {
    const table = await DeltaTable.create(temp.storage, {
      columns: [field('id', 'long'), field('value', 'double')],
      configuration: {'delta.columnMapping.mode': 'name', 'delta.columnMapping.maxColumnId': '2'},
    })
    const error = await table.manifests().catch((e: unknown) => e)
    expect(error).to.be.instanceOf(LabmeshError).with.property('code', 'UNSUPPORTED')
  })
})

// The real S3 protocol (s3rver): manifests name s3:// URIs of objects that exist, and are written SSE-KMS.
describe('Delta symlink manifests on S3', function () {
  this.timeout(120_000)
  const s3 = new TestS3()
  before(async () => s3.start())
  after(async () => s3.stop())

  it('lists each partition’s data files as s3:// URIs of the stored objects', async () => {
    const location = `s3://${s3.bucket}/lake/${randomUUID()}/plates`
    const {storage, remove} = await testS3Storage(s3, location)
    try {
      const table = await DeltaTable.create(storage, {
        columns: [field('id', 'long'), field('plate', 'string'), field('value', 'double')],
        partitionColumns: ['plate'],
        configuration: ENABLED,
      })
      await table.append([
        {id: 1n, plate: 'Plate 1', value: 1},
        {id: 2n, plate: 'p2', value: 2},
      ])
      const manifest = (await storage.objects.get(`${MANIFEST_DIR}/plate=Plate 1/manifest`)).toString('utf8')
      const [line, ...rest] = manifest.trimEnd().split('\n')
      expect(rest).to.deep.equal([])
      expect(line).to.match(new RegExp(`^${location}/plate=Plate 1/part-[^/]+\\.parquet$`))
      expect(await storage.objects.head(line.slice(location.length + 1)), 'the object it names').not.to.equal(undefined)
      for (const put of s3.matching('PUT', new RegExp(MANIFEST_DIR)))
        expect(put.headers['x-amz-server-side-encryption']).to.equal('aws:kms')
    } finally {
      await remove()
    }
  })
})
