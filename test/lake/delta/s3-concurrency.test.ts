import {type ChildProcess, spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'

import {listLog, readCommit} from '../../../src/lake/delta/log-reader.js'
import {field} from '../../../src/lake/delta/schema.js'
import {listAll} from '../../../src/lake/delta/storage.js'
import {DeltaTable} from '../../../src/lake/delta/table.js'
import {testS3Storage} from '../../support/aws/clients.js'
import {TestS3} from '../../support/aws/s3-server.js'
import {query} from './support.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '../../..')
const COLUMNS = [field('writer', 'string'), field('seq', 'long'), field('value', 'double')]

/**
 * The Delta commit protocol on the real S3 protocol (s3rver behind the proxy that implements
 * If-None-Match, as S3 does): concurrent writer processes, a writer killed before its commit, and
 * a commit whose response was lost after it landed.
 */
describe('Delta concurrent writers on S3', function () {
  this.timeout(300_000)
  const s3 = new TestS3()
  let location: string
  let table: Awaited<ReturnType<typeof testS3Storage>>
  before(async () => {
    await s3.start()
  })
  after(async () => {
    await s3.stop()
  })
  beforeEach(async () => {
    location = `s3://${s3.bucket}/lake/${randomUUID()}`
    table = await testS3Storage(s3, location)
  })
  afterEach(async () => {
    await table.remove()
  })

  const writer = (id: string, commits: number, mode: 'append' | 'stall'): ChildProcess =>
    spawn(
      process.execPath,
      ['--import', 'tsx', path.join(HERE, 'fixtures', 's3-writer.ts'), s3.endpoint, s3.bucket, location, id, String(commits), mode],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )

  const finish = (child: ChildProcess): Promise<string> => {
    let out = ''
    let err = ''
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
    return new Promise((resolve, reject) => {
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`writer exited with ${code}: ${err}`))))
    })
  }

  it('processes appending at once each land every commit exactly once', async () => {
    const delta = await DeltaTable.create(table.storage, {columns: COLUMNS, configuration: {'delta.checkpointInterval': '4'}})
    const WRITERS = 3
    const COMMITS = 4
    const outputs = await Promise.all(Array.from({length: WRITERS}, (_, w) => finish(writer(`w${w}`, COMMITS, 'append'))))
    const reports = outputs.flatMap((o) => o.trim().split('\n')).map((line) => JSON.parse(line) as {version: number; attempts: number})
    expect(reports.map((r) => r.version).sort((a, b) => a - b)).to.deep.equal(Array.from({length: WRITERS * COMMITS}, (_, i) => i + 1))
    const {commits, checkpoints} = await listLog(table.storage)
    expect(commits.map((c) => c.version)).to.deep.equal(Array.from({length: WRITERS * COMMITS + 1}, (_, i) => i))
    expect(checkpoints.map((c) => c.version)).to.deep.equal([4, 8, 12])
    const rows = await query(`SELECT writer, count(*)::INTEGER AS n FROM (${await delta.scanSql()}) GROUP BY ALL ORDER BY ALL`)
    expect(rows).to.deep.equal(Array.from({length: WRITERS}, (_, w) => ({writer: `w${w}`, n: COMMITS * 2})))
  })

  it('a writer killed before its commit leaves the table at its last version; vacuum deletes its files', async () => {
    const delta = await DeltaTable.create(table.storage, {columns: COLUMNS})
    await delta.append([{writer: 'ok', seq: 1n, value: 1}])
    const before = await delta.snapshot()
    const child = writer('crashed', 1, 'stall')
    const exited = new Promise((resolve) => child.on('exit', resolve))
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('files-written') && resolve())
      child.on('exit', () => reject(new Error('the writer exited before writing its files')))
    })
    child.kill('SIGKILL')
    await exited
    const data = async () => (await listAll(table.storage.objects, '')).map((o) => o.path).filter((p) => !p.startsWith('_delta_log/'))
    expect(await data()).to.have.length(2)
    expect((await delta.snapshot()).version).to.equal(before.version)
    const vacuumed = await delta.vacuum({retentionHours: 0, allowShortRetention: true})
    expect(vacuumed.files).to.have.length(1)
    expect(await data()).to.deep.equal(before.files.map((f) => f.path))
    // Deleted with DeleteObjects (POST /bucket?delete), not one DELETE per key.
    expect(s3.requests.some((r) => r.method === 'POST' && /[?&]delete/.test(r.url))).to.equal(true)
    expect(s3.requests.some((r) => r.method === 'DELETE')).to.equal(false)
  })

  it('a commit whose answer was lost after it landed is recognised by its txnId, not committed twice', async () => {
    const delta = await DeltaTable.create(table.storage, {columns: COLUMNS})
    await delta.append([{writer: 'first', seq: 1n, value: 1}])
    const commitKey = new RegExp(`${location.slice(5)}/_delta_log/00000000000000000002\\.json$`)
    s3.inject({method: 'PUT', path: commitKey, dropAfterForward: true})
    const result = await delta.append([{writer: 'second', seq: 2n, value: 2}])
    expect(result.version).to.equal(2)
    // The SDK sent the commit again after the dropped answer; S3 (the proxy) refused it as existing.
    expect(s3.matching('PUT', commitKey).length).to.be.at.least(2)
    expect((await listLog(table.storage)).commits.map((c) => c.version)).to.deep.equal([0, 1, 2])
    const info = (await readCommit(table.storage, 2)).find((a) => a.commitInfo)!.commitInfo!
    expect(info.txnId).to.match(/^[0-9a-f-]{36}$/)
    expect(info.engineInfo).to.match(/^labmesh\/\d+\.\d+\.\d+/)
    expect(await query(`SELECT writer FROM (${await delta.scanSql()}) ORDER BY 1`)).to.deep.equal([{writer: 'first'}, {writer: 'second'}])
  })
})
