import {GetDatabasesCommand, GetTablesCommand, GlueClient} from '@aws-sdk/client-glue'
import {DeleteObjectsCommand, ListObjectsV2Command, S3Client} from '@aws-sdk/client-s3'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {GlueFacade} from '../../../src/backends/aws/glue.js'
import {S3Facade} from '../../../src/backends/aws/s3.js'
import {testClientConfig} from '../../support/aws/clients.js'

/**
 * The facades' paging at the S3 and Glue contracts (aws-sdk-client-mock in process; page shapes from
 * the ListObjectsV2, DeleteObjects, GetTables and GetDatabases API references): every page is read,
 * each with the token the previous one gave, and deletes go 1,000 keys a call.
 */
describe('aws facades page through every listing', () => {
  // Mocks patch every client of their class in this process: made here, and restored after, so other files' real clients stay real.
  const mocks = () => ({s3: mockClient(S3Client), glue: mockClient(GlueClient)})
  let s3: ReturnType<typeof mocks>['s3']
  let glue: ReturnType<typeof mocks>['glue']
  before(() => ({s3, glue} = mocks()))
  after(() => {
    s3.restore()
    glue.restore()
  })
  beforeEach(() => {
    s3.reset()
    glue.reset()
  })
  // The backend's own client configuration; the mocks answer before any request leaves.
  const config = () => testClientConfig('http://127.0.0.1:9')
  const facade = async () => S3Facade.create(await config(), {bucket: 'lab', kmsKeyId: 'alias/lab'})

  it('lists the keys of every ListObjectsV2 page, StartAfter on the first only', async () => {
    const keys = (from: number, count: number) =>
      Array.from({length: count}, (_, i) => ({Key: `raw/${String(from + i).padStart(4, '0')}`, Size: 1}))
    s3.on(ListObjectsV2Command)
      .resolvesOnce({IsTruncated: true, NextContinuationToken: 't1', Contents: keys(1, 1000), KeyCount: 1000})
      .resolvesOnce({IsTruncated: true, NextContinuationToken: 't2', Contents: keys(1001, 1000), KeyCount: 1000})
      .resolvesOnce({IsTruncated: false, Contents: keys(2001, 5), KeyCount: 5})
    const listed: string[] = []
    const s3Facade = await facade()
    for await (const object of s3Facade.list('raw/', 'raw/0000')) listed.push(object.key)
    s3Facade.destroy()
    expect(listed).to.deep.equal([...keys(1, 1000), ...keys(1001, 1000), ...keys(2001, 5)].map((k) => k.Key))
    const inputs = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)
    expect(inputs).to.deep.equal([
      {Bucket: 'lab', Prefix: 'raw/', StartAfter: 'raw/0000'},
      {Bucket: 'lab', Prefix: 'raw/', ContinuationToken: 't1'},
      {Bucket: 'lab', Prefix: 'raw/', ContinuationToken: 't2'},
    ])
  })

  it('deletes 2,500 keys in calls of 1,000, 1,000 and 500', async () => {
    s3.on(DeleteObjectsCommand).resolves({Deleted: []})
    const keys = Array.from({length: 2500}, (_, i) => `raw/${i}`)
    const s3Facade = await facade()
    await s3Facade.deleteMany(keys)
    s3Facade.destroy()
    const batches = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete!.Objects!.map((o) => o.Key))
    expect(batches.map((b) => b.length)).to.deep.equal([1000, 1000, 500])
    expect(batches.flat()).to.deep.equal(keys)
  })

  it('reads every GetTables and GetDatabases page', async () => {
    glue
      .on(GetTablesCommand)
      .resolvesOnce({TableList: [{Name: 'a'}, {Name: 'b'}], NextToken: 'n1'})
      .resolvesOnce({TableList: [{Name: 'c'}]})
    glue
      .on(GetDatabasesCommand)
      .resolvesOnce({DatabaseList: [{Name: 'labmesh_lab'}, {Name: 'other'}], NextToken: 'd1'})
      .resolvesOnce({DatabaseList: [{Name: 'labmesh_shared'}]})
    const facade = new GlueFacade(await config())
    try {
      expect((await facade.tables('labmesh_lab')).map((t) => t.Name)).to.deep.equal(['a', 'b', 'c'])
      expect(glue.commandCalls(GetTablesCommand).map((c) => c.args[0].input.NextToken)).to.deep.equal([undefined, 'n1'])
      expect(await facade.databases('labmesh_')).to.deep.equal(['labmesh_lab', 'labmesh_shared'])
      expect(glue.commandCalls(GetDatabasesCommand).map((c) => c.args[0].input.NextToken)).to.deep.equal([undefined, 'd1'])
    } finally {
      facade.destroy()
    }
  })
})
