import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {expect} from 'chai'

import {TestWorkspace} from '../../support/cli.js'

const BIN = new URL('../../../bin/run.js', import.meta.url).pathname

/* The built CLI: keys commands and `labmesh serve` as a user runs them, with real HTTP to the server. */
describe('labmesh keys and serve (CLI)', function () {
  this.timeout(120_000)
  let ws: TestWorkspace
  beforeEach(() => {
    ws = new TestWorkspace()
  })
  afterEach(() => ws.remove())

  it('creates a key whose secret is printed once, lists it without the secret, rotates and revokes it', async () => {
    const created = await ws.run([
      'keys',
      'create',
      '--name',
      'eln-sync',
      '--scope',
      'search,files:read',
      '--tables',
      'lab.files',
      '--expires',
      '90d',
      '--json',
    ])
    expect(created.code, created.stderr).to.equal(0)
    const {key, secret} = created.json as {key: {keyId: string; scopes: string[]; expiresAt: string}; secret: string}
    expect(secret).to.match(new RegExp(`^lmk_${key.keyId}_[0-9a-f]{64}$`))
    expect(key.scopes).to.deep.equal(['search', 'files:read'])
    expect(Date.parse(key.expiresAt) - Date.now()).to.be.closeTo(90 * 86_400_000, 60_000)

    const listed = await ws.run(['keys', 'list'])
    expect(listed.stdout).to.include(key.keyId).and.include('eln-sync').and.include('active')
    expect(listed.stdout).to.not.include(secret.split('_')[2])
    const human = await ws.run(['keys', 'create', '--name', 'other', '--scope', 'query'])
    expect(human.stdout.match(/lmk_[0-9a-f]{16}_[0-9a-f]{64}/g)).to.have.length(1)

    const rotated = await ws.run(['keys', 'rotate', key.keyId.slice(0, 6), '--grace', '1h', '--json'])
    expect(rotated.json.secret).to.not.equal(secret)
    expect(rotated.json.key.previousValidUntil).to.be.a('string')
    const revoked = await ws.run(['keys', 'revoke', key.keyId, '--json'])
    expect(revoked.code, revoked.stderr).to.equal(0)
    expect((await ws.run(['keys', 'list', '--json'])).json.keys.find((k: {keyId: string}) => k.keyId === key.keyId).revokedAt).to.be.a(
      'string',
    )
    const badScope = await ws.run(['keys', 'create', '--name', 'x', '--scope', 'root'])
    expect(badScope.code).to.equal(2)
    expect(badScope.stderr).to.include('"root" is not a scope')
  })

  it('serves on loopback until stopped, and refuses a reachable host without TLS', async () => {
    const created = await ws.run(['keys', 'create', '--name', 't', '--scope', 'search', '--json'])
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], {env: ws.env(), stdio: ['ignore', 'pipe', 'pipe']})
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer]
      const {url} = JSON.parse(line.toString().split('\n')[0]) as {url: string}
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect((await fetch(`${url}/healthz`)).status).to.equal(200)
      const files = await fetch(`${url}/v1/files`, {headers: {authorization: `Bearer ${created.json.secret}`}})
      expect(files.status).to.equal(200)
    } finally {
      child.kill('SIGTERM')
    }
    const [code] = (await once(child, 'exit')) as [number]
    expect(code).to.equal(0)

    const refused = await ws.run(['serve', '--host', '0.0.0.0', '--port', '0'])
    expect(refused.code).to.equal(2)
    expect(refused.stderr).to.include('--tls-cert')
  })
})
