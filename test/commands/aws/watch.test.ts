import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {openPostgres, type Postgres} from '../../../src/backends/aws/postgres/connection.js'
import {createPostgresMetadataStore} from '../../../src/backends/aws/postgres/metadata-store.js'
import {type AwsWorkspace, startAwsWorkspace} from '../../support/aws/workspace.js'
import {INSTRUMENTS} from '../../support/testdata.js'
import {RunningWatcher} from '../../support/watcher.js'

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex')

/**
 * `labmesh watch` on an aws profile, through the same Backend interfaces as locally: the built CLI
 * in a subprocess, the real S3 protocol (s3rver behind the recording proxy, which also injects
 * faults), a real PostgreSQL holding the monitored paths, the watch state and the records, and
 * Glue/KMS answered by the recording endpoint.
 */
describe('labmesh watch (aws backend: S3 protocol and PostgreSQL)', function () {
  this.timeout(300_000)
  let profile: AwsWorkspace
  let db: Postgres
  let watcher: RunningWatcher | undefined
  const run = (args: string[]) => profile.run(args)

  before(async () => {
    profile = await startAwsWorkspace()
    db = await openPostgres({url: profile.databaseUrl})
  })
  after(async () => {
    if (watcher) expect((await watcher.stop()).code, watcher.stderr).to.equal(0)
    await db?.close()
    await profile?.stop()
  })

  it('keeps the monitored path in PostgreSQL, uploads stable files SSE-KMS, and retries a refused upload without using up its attempts', async () => {
    const drop = profile.ws.path('drop')
    mkdirSync(drop)
    const added = await run(['paths', 'add', drop, '--name', 'instruments', '--stable-seconds', '1', '--label', 'site=boston', '--json'])
    expect(added.code, added.stderr).to.equal(0)
    const {rows} = await db.query<{name: string}>('SELECT name FROM monitored_paths')
    expect(rows.map((r) => r.name)).to.deep.equal(['instruments'])

    watcher = new RunningWatcher(profile.ws, ['--profile', 'prod', '--retry-delay', '0.2s', '--attempts', '1'], profile.env)
    await watcher.until('the first scan', (events) => events.some((e) => e.event === 'path.scanned'))
    const envision = readFileSync(path.join(INSTRUMENTS, 'perkin_elmer_envision', 'PE_Envision_absorbance_example01.csv'))
    const refused = 'Well,Value\nA1,0.75\n'
    const sha = sha256(refused)
    // The first upload of this object is denied (expired credentials look the same): the file waits and goes up later.
    profile.s3.inject({
      method: 'PUT',
      path: new RegExp(`/raw/${sha.slice(0, 2)}/${sha}$`),
      error: {status: 403, code: 'AccessDenied', message: 'Access Denied'},
    })
    writeFileSync(path.join(drop, 'plate.csv'), envision)
    writeFileSync(path.join(drop, 'refused.csv'), refused)

    await watcher.until('both files ingested', () => watcher!.of('file.ingested').length === 2)
    // With one attempt allowed, a file failure would have been final: a refused upload is a service failure, retried.
    expect(watcher.of('file.retry', 'refused.csv').map((e) => e.code)).to.deep.equal(['FORBIDDEN'])
    expect(watcher.of('file.failed')).to.have.length(0)

    const records = await createPostgresMetadataStore(db).listFiles({category: 'RAW'})
    expect(records.map((r) => [path.basename(r.sourcePath), r.sha256]).sort()).to.deep.equal([
      ['plate.csv', sha256(envision)],
      ['refused.csv', sha],
    ])
    expect(records.every((r) => r.labels.some((l) => l.name === 'site' && l.value === 'boston'))).to.equal(true)
    const puts = profile.s3.matching('PUT', /^\/labmesh-test\/team\/raw\//)
    expect(puts.length).to.be.at.least(2)
    for (const put of puts) expect(put.headers['x-amz-server-side-encryption']).to.equal('aws:kms')

    const status = await run(['watch', 'status', '--json'])
    expect(status.code, status.stderr).to.equal(0)
    expect(status.json.paths[0]).to.include({name: 'instruments', seen: 2, ingested: 2, pending: 0, failed: 0})

    // A restart reads the state back from PostgreSQL: nothing is ingested again.
    expect((await watcher.stop()).code, watcher.stderr).to.equal(0)
    watcher = new RunningWatcher(profile.ws, ['--profile', 'prod'], profile.env)
    await watcher.until('the first scan', (events) => events.some((e) => e.event === 'path.scanned'))
    writeFileSync(path.join(drop, 'third.csv'), 'Well,Value\nB2,1.5\n')
    await watcher.until('third.csv ingested', () => watcher!.of('file.ingested', 'third.csv').length === 1)
    expect(watcher.of('file.ingested')).to.have.length(1)
  })
})
