import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {cpSync, mkdirSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'

import {openPostgres, type Postgres} from '../../../src/backends/aws/postgres/connection.js'
import {testS3Facade} from '../../support/aws/clients.js'
import {type AwsWorkspace, startAwsWorkspace} from '../../support/aws/workspace.js'
import {wellValuesCsv} from '../../support/plates.js'
import {RunningWatcher, waitFor} from '../../support/watcher.js'

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/run.js')
const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex')

/**
 * Store and forward on an aws profile: the built CLI in a subprocess; the real S3 protocol
 * (s3rver behind the test proxy, which is stopped for the outage: connections refused); a real
 * PostgreSQL for the records, the watch state and the events outbox; Glue and KMS answered by the
 * recording endpoint; real files and a real spool folder.
 */
describe('labmesh watch: store and forward (aws backend: S3 outage, spool, push)', function () {
  this.timeout(300_000)
  let profile: AwsWorkspace
  let db: Postgres
  let watcher: RunningWatcher | undefined
  const run = (args: string[]) => profile.run(args)
  const rawRecords = async () =>
    (
      await db.query<{source_path: string; sha256: string; version: number}>(
        "SELECT source_path, sha256, version FROM files WHERE category = 'RAW' ORDER BY source_path, version",
      )
    ).rows
  const ingestedEvents = async () =>
    (
      await db.query<{source: string}>("SELECT data->>'sourcePath' AS source FROM events WHERE type = 'file.ingested' ORDER BY seq")
    ).rows.map((r) => r.source)

  before(async () => {
    profile = await startAwsWorkspace()
    db = await openPostgres({url: profile.databaseUrl})
  })
  after(async () => {
    if (watcher) await watcher.stop()
    await db?.close()
    await profile?.stop()
  })

  it('spools stable files while S3 is down, drains them in order when it is back (a source deleted meanwhile included), and events reach the outbox once', async () => {
    const drop = profile.ws.path('drop')
    const spoolDir = profile.ws.path('spool')
    mkdirSync(drop)
    expect((await run(['paths', 'add', drop, '--name', 'plates', '--stable-seconds', '1', '--label', 'site=boston'])).code).to.equal(0)
    watcher = new RunningWatcher(
      profile.ws,
      ['--profile', 'prod', '--spool', spoolDir, '--retry-delay', '0.3s', '--attempts', '1'],
      profile.env,
    )
    await watcher.until('the first scan', (events) => events.some((e) => e.event === 'path.scanned'))

    await profile.s3.pause()
    const contents = new Map<string, string>()
    for (let n = 1; n <= 3; n++) {
      contents.set(`plate-${n}.csv`, wellValuesCsv(n))
      writeFileSync(path.join(drop, `plate-${n}.csv`), wellValuesCsv(n))
    }
    await watcher.until('three files spooled', () => watcher!.of('file.spooled').length === 3)
    // One attempt allowed: a file failure would have been final; an outage is not the file's fault.
    expect(watcher.of('file.failed')).to.have.length(0)
    expect(readdirSync(path.join(spoolDir, 'manifests'))).to.have.length(3)
    // A later file queues behind the spooled ones, and a source goes away during the outage.
    contents.set('plate-4.csv', wellValuesCsv(4))
    writeFileSync(path.join(drop, 'plate-4.csv'), wellValuesCsv(4))
    await watcher.until('plate-4 spooled', () => watcher!.of('file.spooled', 'plate-4.csv').length === 1)
    rmSync(path.join(drop, 'plate-2.csv'))

    const status = await run(['watch', 'status', '--spool', spoolDir, '--json'])
    expect(status.code, status.stderr).to.equal(0)
    expect(status.json.spool).to.include({files: 4, rejected: 0})
    expect(status.json.spool.bytes).to.equal([...contents.values()].reduce((a, c) => a + Buffer.byteLength(c), 0))
    expect(await rawRecords()).to.have.length(0)

    await profile.s3.resume()
    await watcher.until('the spool drained', () => watcher!.of('file.ingested').length === 4)
    expect(watcher.of('file.ingested').map((e) => e.file)).to.deep.equal(['plate-1.csv', 'plate-2.csv', 'plate-3.csv', 'plate-4.csv'])
    expect(readdirSync(path.join(spoolDir, 'manifests'))).to.have.length(0)
    expect(readdirSync(path.join(spoolDir, 'objects')).flatMap((d) => readdirSync(path.join(spoolDir, 'objects', d)))).to.have.length(0)

    const records = await rawRecords()
    expect(records.map((r) => [path.basename(r.source_path), r.sha256, r.version])).to.deep.equal(
      [...contents].map(([name, text]) => [name, sha256(text), 1]),
    )
    // The bytes on S3 are exactly the sources' (plate-2's source is gone: they came from the spool).
    const s3 = await testS3Facade(profile.s3)
    for (const [, text] of contents)
      expect(sha256(await s3.getBytes(`team/raw/${sha256(text).slice(0, 2)}/${sha256(text)}`))).to.equal(sha256(text))
    s3.destroy()
    expect((await ingestedEvents()).map((p) => path.basename(p)).sort()).to.deep.equal([...contents.keys()])

    await waitFor('the state saved', async () => {
      const r = await run(['watch', 'status', '--spool', spoolDir, '--json'])
      return r.json?.paths[0].ingested === 3 && r.json.paths[0].spooled === 0 && r.json.spool.files === 0
    })
  })

  it('push drains a copied spool folder: a crash after the records were written re-runs to nothing new; a kill mid-drain repairs on re-run', async () => {
    const spoolDir = profile.ws.path('spool')
    const drop = profile.ws.path('drop')
    // Fill the spool with 120 files during an outage, and keep a copy of it as it was.
    await profile.s3.pause()
    for (let n = 100; n < 220; n++) writeFileSync(path.join(drop, `burst-${n}.csv`), wellValuesCsv(n))
    await watcher!.until('the burst spooled', () => watcher!.of('file.spooled').length === 4 + 120, 120_000)
    expect((await watcher!.stop()).code, watcher!.stderr).to.equal(0)
    watcher = undefined
    const carried = profile.ws.path('usb-spool')
    cpSync(spoolDir, carried, {recursive: true})
    await profile.s3.resume()

    // Killed mid-drain, then run again: each file stored once.
    const push = spawn(process.execPath, [BIN, 'push', '--from', carried, '--to', 'prod', '--json'], {
      env: profile.ws.env(profile.env),
      cwd: profile.ws.root,
      stdio: 'ignore',
    })
    await waitFor('the first records of the push', async () => (await rawRecords()).length > 4 + 10)
    push.kill('SIGKILL')
    await new Promise((resolve) => push.on('exit', resolve))
    const again = await run(['push', '--from', carried, '--json'])
    expect(again.code, again.stderr).to.equal(0)
    expect(again.json.left).to.equal(0)
    const records = await rawRecords()
    expect(records).to.have.length(4 + 120)
    expect(new Set(records.map((r) => r.source_path)).size).to.equal(records.length)
    expect(records.every((r) => r.version === 1)).to.equal(true)

    // The watcher's own spool still holds the same 120 files, all stored now (the state of a
    // drain that crashed after writing the records): draining it again sends nothing.
    const uploadsBefore = profile.s3.matching('PUT', /^\/labmesh-test\/team\/raw\//).length
    const replay = await run(['push', '--from', spoolDir, '--json'])
    expect(replay.code, replay.stderr).to.equal(0)
    expect(replay.json).to.include({uploaded: 0, unchanged: 120, rejected: 0, left: 0})
    expect(profile.s3.matching('PUT', /^\/labmesh-test\/team\/raw\//).length).to.equal(uploadsBefore)
    expect(await rawRecords()).to.have.length(4 + 120)
    const events = await ingestedEvents()
    expect(events).to.have.length(4 + 120)
    expect(new Set(events).size).to.equal(events.length)

    // A watcher whose spooled files were sent up by `push` finds them stored: nothing is sent again.
    watcher = new RunningWatcher(profile.ws, ['--profile', 'prod', '--spool', spoolDir], profile.env)
    await watcher.until('the burst found stored', () => watcher!.of('file.ingested').length === 120)
    expect(watcher.of('file.ingested').every((e) => e.status === 'unchanged')).to.equal(true)
    // While the watcher holds its spool, a push of the same spool is refused: one drain at a time.
    const busy = await run(['push', '--from', spoolDir, '--json'])
    expect(busy.code, busy.stderr).to.equal(5)
    expect(busy.json.error.code).to.equal('CONFLICT')
    expect(busy.json.error.message).to.include('is in use by another labmesh process')
    await waitFor('the state saved', async () => {
      const r = await run(['watch', 'status', '--spool', spoolDir, '--json'])
      return r.json?.paths[0].spooled === 0 && r.json.paths[0].ingested === 3 + 120
    })
    expect(await rawRecords()).to.have.length(4 + 120)
    expect((await watcher.stop()).code, watcher.stderr).to.equal(0)
    watcher = undefined

    const notSpool = await run(['push', '--from', drop, '--json'])
    expect(notSpool.code).to.equal(6)
    expect(notSpool.json.error.code).to.equal('INVALID_INPUT')
  })

  it('--spool-max: a full spool refuses further files with spool.full; they wait at their source and go up when S3 is back', async () => {
    const drop = profile.ws.path('drop-small')
    const spoolDir = profile.ws.path('spool-small')
    mkdirSync(drop)
    expect((await run(['paths', 'add', drop, '--name', 'small', '--stable-seconds', '1'])).code).to.equal(0)
    const first = 'Well,Value\nC1,1.000\n'
    const second = 'Well,Value\nC2,2.000\nC3,3.000\n'
    watcher = new RunningWatcher(
      profile.ws,
      [
        '--profile',
        'prod',
        '--path',
        'small',
        '--spool',
        spoolDir,
        '--spool-max',
        String(Buffer.byteLength(first) + 5),
        '--retry-delay',
        '0.3s',
      ],
      profile.env,
    )
    await watcher.until('the first scan', (events) => events.some((e) => e.event === 'path.scanned'))
    await profile.s3.pause()
    writeFileSync(path.join(drop, 'first.csv'), first)
    await watcher.until('first.csv spooled', () => watcher!.of('file.spooled', 'first.csv').length === 1)
    writeFileSync(path.join(drop, 'second.csv'), second)
    await watcher.until('the spool full', () => watcher!.of('spool.full', 'second.csv').length > 0)
    expect(watcher.of('spool.full', 'second.csv')[0]).to.include({code: 'SPOOL_FULL'})
    const status = await run(['watch', 'status', '--spool', spoolDir, '--json'])
    expect(status.json.paths.find((p: {name: string}) => p.name === 'small')).to.include({pending: 1, spooled: 1})

    await profile.s3.resume()
    await watcher.until('both ingested', () => watcher!.of('file.ingested').length === 2)
    const names = (await rawRecords()).map((r) => path.basename(r.source_path))
    expect(names.filter((n) => n === 'first.csv' || n === 'second.csv').sort()).to.deep.equal(['first.csv', 'second.csv'])
  })
})

describe('labmesh watch: store and forward through a PostgreSQL outage (aws backend)', function () {
  this.timeout(300_000)
  let profile: AwsWorkspace
  let db: Postgres
  let watcher: RunningWatcher | undefined

  before(async () => {
    profile = await startAwsWorkspace(undefined, {gatePostgres: true})
    db = await openPostgres({url: profile.databaseUrl})
  })
  after(async () => {
    if (watcher) await watcher.stop()
    await db?.close()
    await profile?.stop()
  })

  it('spools files while PostgreSQL cannot be reached (the state kept in memory), and stores each once when it is back', async () => {
    const drop = profile.ws.path('drop')
    const spoolDir = profile.ws.path('spool')
    mkdirSync(drop)
    expect((await profile.run(['paths', 'add', drop, '--name', 'plates', '--stable-seconds', '1'])).code).to.equal(0)
    watcher = new RunningWatcher(
      profile.ws,
      ['--profile', 'prod', '--spool', spoolDir, '--retry-delay', '0.3s', '--attempts', '1'],
      profile.env,
    )
    await watcher.until('the first scan', (events) => events.some((e) => e.event === 'path.scanned'))

    await profile.postgresGate!.close()
    const contents = new Map([
      ['run-1.csv', wellValuesCsv(31)],
      ['run-2.csv', wellValuesCsv(32)],
    ])
    for (const [name, text] of contents) writeFileSync(path.join(drop, name), text)
    await watcher.until('both spooled', () => watcher!.of('file.spooled').length === 2)
    expect(watcher.of('file.spooled').map((e) => e.code)).to.deep.equal(['BACKEND', 'BACKEND'])
    rmSync(path.join(drop, 'run-1.csv'))
    await watcher.until('a drain refused', () => watcher!.of('spool.retry').length > 0)

    await profile.postgresGate!.open()
    await watcher.until('both ingested', () => watcher!.of('file.ingested').length === 2)
    const {rows} = await db.query<{source_path: string; sha256: string}>(
      "SELECT source_path, sha256 FROM files WHERE category = 'RAW' ORDER BY source_path",
    )
    expect(rows.map((r) => [path.basename(r.source_path), r.sha256])).to.deep.equal([...contents].map(([n, t]) => [n, sha256(t)]))
    const events = await db.query<{n: string}>("SELECT count(*) AS n FROM events WHERE type = 'file.ingested'")
    expect(Number(events.rows[0].n)).to.equal(2)
    expect(watcher.of('file.failed')).to.have.length(0)
    // The states held in memory during the outage reach the database once it is back.
    await waitFor('the state saved', async () => {
      const r = await profile.run(['watch', 'status', '--spool', spoolDir, '--json'])
      return r.json?.paths[0].ingested === 1 && r.json.paths[0].spooled === 0 && r.json.spool.files === 0
    })
  })
})
