import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import type {FoundFile} from '../../src/ingest/walk.js'
import {Spool, type SpoolEntry} from '../../src/spool/spool.js'

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex')

/** The spool folder on real files: what `add` leaves on disk, the bound, and what a reopen finds. */
describe('Spool (store and forward folder)', () => {
  let root: string
  let dir: string
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-spool-'))
    dir = path.join(root, 'spool')
  })
  afterEach(() => rmSync(root, {recursive: true, force: true}))

  const source = (name: string, text: string): FoundFile => {
    const file = path.join(root, name)
    writeFileSync(file, text)
    const info = statSync(file)
    return {kind: 'file', path: file, relativePath: name, size: info.size, mtime: info.mtime}
  }
  const entry = (file: FoundFile): SpoolEntry => ({
    sourcePath: file.path,
    sourceHost: 'bench-pc-7',
    relativePath: file.relativePath,
    pathName: 'plates',
    template: '{instrument}/{name}.csv',
    labels: [{name: 'site', value: 'boston'}],
    metadata: {operator: 'kim'},
    detectedAt: new Date().toISOString(),
  })

  it('keeps the bytes by content and one manifest per file with what ingest records, in the order they came', async () => {
    const spool = await Spool.open(dir)
    const a = source('a.csv', 'Well,Value\nA1,1\n')
    const b = source('b.csv', 'Well,Value\nA1,1\n')
    const c = source('c.csv', 'Well,Value\nB2,2\n')
    for (const file of [a, b, c]) await spool.add(file, entry(file))
    expect(readFileSync(spool.objectPath(sha256('Well,Value\nA1,1\n')), 'utf8')).to.equal('Well,Value\nA1,1\n')
    // Two files with the same bytes share them: the usage counts them once.
    expect(spool.usage()).to.deep.equal({files: 3, bytes: a.size + c.size, rejected: 0})
    const next = await spool.next(10)
    expect(next.map((m) => m.sourcePath)).to.deep.equal([a.path, b.path, c.path])
    expect(next[0]).to.deep.include({
      sha256: sha256('Well,Value\nA1,1\n'),
      size: a.size,
      mtime: a.mtime.toISOString(),
      sourceHost: 'bench-pc-7',
      pathName: 'plates',
      metadata: {operator: 'kim'},
    })
    expect(readdirSync(path.join(dir, 'incoming'))).to.have.length(0)
    expect(spool.holds('plates', 'a.csv', a.size, a.mtime.getTime())).to.equal(true)
    expect(spool.holds('plates', 'a.csv', a.size + 1, a.mtime.getTime())).to.equal(false)

    // Shared bytes stay until the last manifest naming them is done.
    await spool.done(next[0])
    expect(spool.holds('plates', 'a.csv', a.size, a.mtime.getTime())).to.equal(false)
    expect(existsSync(spool.objectPath(next[0].sha256))).to.equal(true)
    await spool.done(next[1])
    expect(existsSync(spool.objectPath(next[0].sha256))).to.equal(false)
    await spool.reject(next[2], {code: 'INVALID_DATA', message: 'bad'})
    expect(spool.usage()).to.deep.equal({files: 0, bytes: c.size, rejected: 1})
    const rejected = JSON.parse(readFileSync(path.join(dir, 'rejected', `${next[2].id}.json`), 'utf8'))
    expect(rejected.error).to.deep.equal({code: 'INVALID_DATA', message: 'bad'})
    await spool.close()
  })

  it('a reopened spool (another process, a copy) finds the same files; what a crash left half-written is cleared', async () => {
    const spool = await Spool.open(dir)
    for (const name of ['one.csv', 'two.csv']) {
      const file = source(name, `x,${name}\n`)
      await spool.add(file, entry(file))
    }
    await spool.close()
    // A crash in the middle of a batch: a copy not yet renamed, a manifest not yet renamed, and
    // bytes renamed into objects/ whose manifest was never written.
    writeFileSync(path.join(dir, 'incoming', 'dead.part'), 'half')
    writeFileSync(path.join(dir, 'incoming', 'dead.json'), '{"format":1')
    const orphan = 'orphan bytes\n'
    mkdirSync(path.dirname(spool.objectPath(sha256(orphan))), {recursive: true})
    writeFileSync(spool.objectPath(sha256(orphan)), orphan)
    const again = await Spool.open(dir)
    expect(again.usage()).to.deep.equal(spool.usage())
    expect((await again.next(5)).map((m) => m.relativePath)).to.deep.equal(['one.csv', 'two.csv'])
    expect(readdirSync(path.join(dir, 'incoming'))).to.have.length(0)
    expect(existsSync(spool.objectPath(sha256(orphan)))).to.equal(false)
    expect(existsSync(spool.objectPath(sha256('x,one.csv\n')))).to.equal(true)
    expect(await Spool.inspect(dir)).to.deep.equal(spool.usage())
    await again.close()
  })

  it('a batch is spooled together, in order; a file over the bound or changed while copied is kept out, the rest spooled', async () => {
    const spool = await Spool.open(dir, {maxBytes: 40})
    const a = source('a.csv', '0123456789')
    const moving = source('moving.csv', 'abc')
    utimesSync(moving.path, new Date(), new Date(Date.now() + 5000))
    const b = source('b.csv', 'abcdefghij')
    const big = source('big.csv', 'x'.repeat(30))
    const c = source('c.csv', 'ABCDEFGHIJ')
    const outcomes = await spool.addMany([a, moving, b, big, c].map((file) => ({file, entry: entry(file)})))
    expect(outcomes.map((o) => ('code' in o ? o.code : o.relativePath))).to.deep.equal([
      'a.csv',
      'CONFLICT',
      'b.csv',
      'SPOOL_FULL',
      'c.csv',
    ])
    expect(spool.usage()).to.deep.equal({files: 3, bytes: 30, rejected: 0})
    expect((await spool.next(10)).map((m) => m.relativePath)).to.deep.equal(['a.csv', 'b.csv', 'c.csv'])
    expect(readdirSync(path.join(dir, 'incoming'))).to.have.length(0)
    await spool.doneMany(await spool.next(2))
    expect(spool.usage()).to.deep.equal({files: 1, bytes: 10, rejected: 0})
    await spool.close()
  })

  it('one process at a time: a second open is refused with CONFLICT until the first closes', async () => {
    const spool = await Spool.open(dir)
    const refused = await Spool.open(dir, {existing: true}).catch((e: unknown) => e)
    expect(refused).to.include({code: 'CONFLICT', subject: path.resolve(dir)})
    expect((refused as Error).message).to.include('in use by another labmesh process')
    await spool.close()
    await (await Spool.open(dir, {existing: true})).close()
  })

  it('a copy whose bytes no longer match its manifest fails verification (INVALID_DATA), a missing one is UNREADABLE', async () => {
    const spool = await Spool.open(dir)
    const good = source('good.csv', 'Well,Value\nA1,1\n')
    const bad = source('bad.csv', 'Well,Value\nA1,2\n')
    const [g, b] = await Promise.all([spool.add(good, entry(good)), spool.add(bad, entry(bad))])
    expect(await spool.verify(g)).to.equal(undefined)
    writeFileSync(spool.objectPath(b.sha256), 'Well,Value\nA1,9\n')
    const damaged = await spool.verify(b)
    expect(damaged).to.include({code: 'INVALID_DATA', subject: bad.path})
    expect(damaged!.message).to.include(b.sha256).and.include(sha256('Well,Value\nA1,9\n'))
    rmSync(spool.objectPath(b.sha256))
    expect(await spool.verify(b)).to.include({code: 'UNREADABLE', subject: bad.path})
    await spool.close()
  })

  it('refuses a file over its bound with SPOOL_FULL, and a file that changed while copied with CONFLICT, keeping nothing of either', async () => {
    const spool = await Spool.open(dir, {maxBytes: 20})
    const small = source('small.csv', '0123456789')
    await spool.add(small, entry(small))
    const big = source('big.csv', '0123456789abcdef')
    const full = await spool.add(big, entry(big)).catch((error: unknown) => error)
    expect(full).to.include({code: 'SPOOL_FULL', subject: big.path})
    expect(spool.usage()).to.deep.equal({files: 1, bytes: 10, rejected: 0})

    const moving = source('moving.csv', 'abc')
    utimesSync(moving.path, new Date(), new Date(Date.now() + 5000))
    const changed = await spool.add(moving, entry(moving)).catch((error: unknown) => error)
    expect(changed).to.include({code: 'CONFLICT'})
    expect(spool.usage().files).to.equal(1)
    expect(readdirSync(path.join(dir, 'incoming'))).to.have.length(0)
    await spool.close()
  })

  it('opening a folder that is not a spool for draining is refused', async () => {
    const error = await Spool.open(root, {existing: true}).catch((e: unknown) => e)
    expect(error).to.include({code: 'INVALID_INPUT'})
    // A folder that is not there at all is not found (nothing is created for it).
    const missing = path.join(root, 'no-such-spool')
    expect(await Spool.open(missing, {existing: true}).catch((e: unknown) => e)).to.include({code: 'NOT_FOUND'})
    expect(existsSync(missing)).to.equal(false)
  })
})
