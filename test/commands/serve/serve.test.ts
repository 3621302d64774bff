import {type ChildProcessWithoutNullStreams, execFileSync, spawn} from 'node:child_process'
import {once} from 'node:events'
import {readFileSync} from 'node:fs'
import https from 'node:https'
import {expect} from 'chai'

import {TestWorkspace} from '../../support/cli.js'
import {startReceiver} from '../../webhooks/receiver.js'

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

  /** Starts `labmesh serve --port 0 --json` and returns its URL once it listens. */
  async function serve(args: string[] = []): Promise<{url: string; child: ChildProcessWithoutNullStreams}> {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json', ...args], {env: ws.env()})
    const [line] = (await once(child.stdout, 'data')) as [Buffer]
    return {url: (JSON.parse(line.toString().split('\n')[0]) as {url: string}).url, child}
  }
  async function stop(child: ChildProcessWithoutNullStreams): Promise<number> {
    child.kill('SIGTERM')
    const [code] = (await once(child, 'exit')) as [number]
    return code
  }

  it('serves on loopback until stopped, sends webhooks in the background, and refuses a reachable host without TLS', async () => {
    const receiver = await startReceiver()
    const added = await ws.run(['webhooks', 'add', receiver.url, '--events', 'file.ingested,file.deleted', '--allow-private', '--json'])
    expect(added.code, added.stderr).to.equal(0)
    const created = await ws.run(['keys', 'create', '--name', 't', '--scope', 'search,files:read,files:write', '--json'])
    const {url, child} = await serve()
    try {
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect((await fetch(`${url}/healthz`)).status).to.equal(200)
      const headers = {authorization: `Bearer ${created.json.secret}`}
      expect((await fetch(`${url}/v1/files`, {headers})).status).to.equal(200)
      const delivered = receiver.next()
      const upload = await fetch(`${url}/v1/files?path=drop/a.csv`, {
        method: 'POST',
        headers: {...headers, 'content-type': 'application/octet-stream'},
        body: 'a,b\n1,2\n',
      })
      const {fileId} = (await upload.json()) as {fileId: string}
      // The upload's event goes out from the server's background work, within its interval.
      const got = await delivered
      expect(JSON.parse(got.body).data.fileId).to.equal(fileId)

      // files delete, from another process: a file.deleted delivery, and the same event on the server's stream.
      const controller = new AbortController()
      const stream = await fetch(`${url}/v1/events`, {headers, signal: controller.signal})
      const deletion = receiver.next()
      const deleted = await ws.run(['files', 'delete', fileId])
      expect(deleted.code, deleted.stderr).to.equal(0)
      const hook = JSON.parse((await deletion).body)
      expect(hook.type).to.equal('file.deleted')
      expect(hook.data).to.include({fileId, sourcePath: 'drop/a.csv', version: 1})
      const reader = stream.body!.getReader()
      let text = ''
      while (!text.includes('event: file.deleted')) {
        const {value, done} = await reader.read()
        if (done) break
        text += Buffer.from(value).toString()
      }
      controller.abort()
      expect(text).to.match(new RegExp(`event: file\\.deleted\ndata: \\{.*"fileId":"${fileId}"`))
    } finally {
      expect(await stop(child)).to.equal(0)
      await receiver.close()
    }

    const refused = await ws.run(['serve', '--host', '0.0.0.0', '--port', '0'])
    expect(refused.code).to.equal(2)
    expect(refused.stderr).to.include('--tls-cert')
  })

  it("marks the page's cookies Secure with --insecure-http (a TLS proxy in front), not on plain loopback", async () => {
    for (const [flags, secure] of [
      [['--insecure-http'], true],
      [[], false],
    ] as const) {
      const {url, child} = await serve([...flags])
      try {
        const setCookie = (await fetch(`${url}/`)).headers.getSetCookie()
        expect(setCookie).to.have.length(1)
        expect(setCookie[0].startsWith(secure ? '__Host-labmesh_csrf=' : 'labmesh_csrf='), setCookie[0]).to.equal(true)
        expect(/;\s*Secure/.test(setCookie[0]), setCookie[0]).to.equal(secure)
      } finally {
        expect(await stop(child)).to.equal(0)
      }
    }
  })

  it("serves HTTPS with --tls-cert and --tls-key, the page's cookies then Secure", async () => {
    const cert = ws.path('cert.pem')
    const key = ws.path('key.pem')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      {stdio: 'ignore'},
    )
    const {url, child} = await serve(['--tls-cert', cert, '--tls-key', key])
    try {
      expect(url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/)
      const answer = await new Promise<{status: number; cookies: string[]}>((resolve, reject) => {
        https
          .get(`${url}/`, {ca: readFileSync(cert)}, (response) => {
            response.resume()
            resolve({status: response.statusCode!, cookies: response.headers['set-cookie'] ?? []})
          })
          .on('error', reject)
      })
      expect(answer.status).to.equal(200)
      expect(answer.cookies).to.have.length(1)
      expect(answer.cookies[0]).to.match(/^__Host-labmesh_csrf=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict$/)
    } finally {
      expect(await stop(child)).to.equal(0)
    }
  })
})
