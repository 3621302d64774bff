import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {openPostgres, type Postgres} from '../../../src/backends/aws/postgres/connection.js'
import {PG_PASSWORD} from '../../support/aws/postgres.js'
import {type AwsWorkspace, startAwsWorkspace} from '../../support/aws/workspace.js'
import {wellValuesCsv} from '../../support/plates.js'
import {RunningWatcher, waitFor} from '../../support/watcher.js'

/**
 * `watch` started while PostgreSQL is down: the built CLI in a subprocess; a real PostgreSQL
 * server of the test's own, halted and started again; the real S3 protocol (s3rver); Glue and KMS
 * answered by the recording endpoint; real files and a real spool folder.
 */
describe('labmesh watch: started while PostgreSQL is down (aws backend, the copy kept beside the spool)', function () {
  this.timeout(300_000)
  let profile: AwsWorkspace
  let db: Postgres
  let watcher: RunningWatcher | undefined
  const rawRecords = async () =>
    (
      await db.query<{source_path: string; version: number}>(
        "SELECT source_path, version FROM files WHERE category = 'RAW' ORDER BY source_path, version",
      )
    ).rows
      .map((r) => [path.basename(r.source_path), r.version])
      .sort()

  before(async () => {
    profile = await startAwsWorkspace(undefined, {ownPostgres: true})
    db = await openPostgres({url: profile.databaseUrl})
    // A hand-edited profile whose metadata URL holds the password (init refuses one): it must reach no log line nor error.
    const config = path.join(profile.ws.configDir, 'config.json')
    const settings = JSON.parse(readFileSync(config, 'utf8'))
    settings.profiles.prod.metadataUrl = profile.databaseUrl
    writeFileSync(config, JSON.stringify(settings))
  })
  after(async () => {
    if (watcher) await watcher.stop()
    await db?.close()
    await profile?.stop()
  })

  it('watches the saved paths, spools only new files, and once PostgreSQL is back stores each once and takes the paths the backend holds now', async () => {
    const drop = profile.ws.path('drop')
    const later = profile.ws.path('later')
    const spoolDir = profile.ws.path('spool')
    mkdirSync(drop)
    mkdirSync(later)
    expect((await profile.run(['paths', 'add', drop, '--name', 'plates', '--stable-seconds', '1'])).code).to.equal(0)
    writeFileSync(path.join(drop, 'old-1.csv'), wellValuesCsv(1))
    const args = ['--profile', 'prod', '--spool', spoolDir, '--retry-delay', '0.3s', '--attempts', '1']

    // A run while PostgreSQL is up saves the paths and the files' states beside the spool.
    watcher = new RunningWatcher(profile.ws, args, profile.env)
    await watcher.until('old-1 ingested', () => watcher!.of('file.ingested', 'old-1.csv').length === 1)
    expect((await watcher.stop()).code, watcher.stderr).to.equal(0)
    const saved = JSON.parse(readFileSync(path.join(spoolDir, 'watch-config.json'), 'utf8'))
    expect(saved.paths.map((p: {name: string}) => p.name)).to.deep.equal(['plates'])
    expect(saved.files.plates.map((f: {relativePath: string; state: string}) => [f.relativePath, f.state])).to.deep.equal([
      ['old-1.csv', 'ingested'],
    ])
    // The states read from the backend at a start are saved too, not only those the run writes.
    rmSync(path.join(spoolDir, 'watch-config.json'))
    watcher = new RunningWatcher(profile.ws, args, profile.env)
    await watcher.until('the first scan', () => watcher!.of('path.scanned').length > 0)
    expect((await watcher.stop()).code, watcher.stderr).to.equal(0)
    const reread = JSON.parse(readFileSync(path.join(spoolDir, 'watch-config.json'), 'utf8'))
    expect(reread.files.plates.map((f: {relativePath: string}) => f.relativePath)).to.deep.equal(['old-1.csv'])
    // A path added in the backend since: the copy does not know it yet.
    expect((await profile.run(['paths', 'add', later, '--name', 'later', '--stable-seconds', '1'])).code).to.equal(0)

    await profile.postgres!.halt()
    watcher = new RunningWatcher(profile.ws, args, profile.env)
    await watcher.until('the first scan', () => watcher!.of('path.scanned').length > 0)
    expect(watcher.of('watch.offline')).to.have.length(1)
    expect(watcher.of('watch.offline')[0].message).to.include('cannot reach PostgreSQL')
    expect(JSON.stringify(watcher.events) + watcher.stderr).to.not.include(PG_PASSWORD)
    expect(watcher.of('watch.started')[0]).to.include({files: 1})
    writeFileSync(path.join(drop, 'new-1.csv'), wellValuesCsv(2))
    writeFileSync(path.join(drop, 'new-2.csv'), wellValuesCsv(3))
    writeFileSync(path.join(later, 'late-1.csv'), wellValuesCsv(4))
    await watcher.until('the new files spooled', () => watcher!.of('file.spooled').length === 2)
    await watcher.until('a drain refused', () => watcher!.of('spool.retry').length > 0)
    // The file handled before the outage is known from the copy: it is not spooled again.
    expect(watcher.of('file.spooled').map((e) => e.file)).to.deep.equal(['new-1.csv', 'new-2.csv'])
    expect(readdirSync(path.join(spoolDir, 'manifests'))).to.have.length(2)
    expect(watcher.of('file.failed')).to.have.length(0)

    await profile.postgres!.restart()
    await watcher.until('the backend read again', () => watcher!.of('watch.online').length === 1)
    expect(watcher.of('watch.online')[0].message).to.include('changed')
    await watcher.until('all ingested', () => watcher!.of('file.ingested').length === 3)
    expect(watcher.of('file.ingested').map((e) => e.file)).to.deep.equal(['new-1.csv', 'new-2.csv', 'late-1.csv'])
    expect(readdirSync(path.join(spoolDir, 'manifests'))).to.have.length(0)
    expect(await rawRecords()).to.deep.equal([
      ['late-1.csv', 1],
      ['new-1.csv', 1],
      ['new-2.csv', 1],
      ['old-1.csv', 1],
    ])
    const events = await db.query<{n: string}>("SELECT count(*) AS n FROM events WHERE type = 'file.ingested'")
    expect(Number(events.rows[0].n)).to.equal(4)
    const copy = JSON.parse(readFileSync(path.join(spoolDir, 'watch-config.json'), 'utf8'))
    expect(copy.paths.map((p: {name: string}) => p.name)).to.deep.equal(['later', 'plates'])
    await waitFor('the state saved', async () => {
      const r = await profile.run(['watch', 'status', '--spool', spoolDir, '--json'])
      const plates = r.json?.paths.find((p: {name: string}) => p.name === 'plates')
      return plates?.ingested === 3 && plates.spooled === 0 && r.json.spool.files === 0
    })
    expect((await watcher.stop()).code, watcher.stderr).to.equal(0)
    watcher = undefined
  })

  it('with no saved copy, fails at once naming the backend and the copy it lacks', async () => {
    const spoolDir = profile.ws.path('spool-new')
    await profile.postgres!.halt()
    const result = await profile.run(['watch', '--spool', spoolDir, '--json'])
    expect(result.code, result.stderr).to.equal(5)
    expect(result.json.error.code).to.equal('BACKEND')
    expect(result.json.error.message).to.match(/^the monitored paths cannot be read from the aws backend \(cannot reach PostgreSQL at /)
    expect(result.json.error.message).to.include(`there is no saved copy of them (${path.join(spoolDir, 'watch-config.json')})`)
    expect(result.stdout + result.stderr).to.not.include(PG_PASSWORD)
    expect(existsSync(path.join(spoolDir, 'watch-config.json'))).to.equal(false)
    await profile.postgres!.restart()
  })
})
