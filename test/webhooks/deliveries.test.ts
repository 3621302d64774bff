import {spawn} from 'node:child_process'
import {lookup} from 'node:dns/promises'
import {hostname} from 'node:os'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend} from '../../src/backends/types.js'
import type {LabmeshError} from '../../src/errors.js'
import {deliverDue} from '../../src/webhooks/deliver.js'
import {addWebhook, rotateWebhook} from '../../src/webhooks/manage.js'
import {sendDelivery} from '../../src/webhooks/send.js'
import {signPayload, verifySignature} from '../../src/webhooks/signature.js'
import {isPublicAddress} from '../../src/webhooks/target.js'
import {rawRecord} from '../backends/metadata-contract.js'
import {TestWorkspace} from '../support/cli.js'
import {INSTRUMENTS} from '../support/testdata.js'
import {type Received, startReceiver} from './receiver.js'

const SECRET = 'a-test-secret-of-enough-length'

/*
 * Webhook deliveries to a real receiver on 127.0.0.1 over HTTP, from a real workspace database
 * (SQLite); the last test runs the built CLI and kills it mid-delivery.
 */
describe('webhooks: signed deliveries from the outbox', function () {
  this.timeout(120_000)
  let ws: TestWorkspace
  let backend: Backend

  beforeEach(() => {
    ws = new TestWorkspace()
    backend = createLocalBackend({home: ws.home})
  })
  afterEach(async () => {
    await backend.close()
    ws.remove()
  })

  /** A webhook to a receiver on 127.0.0.1 (a private target, so allowed), signed with SECRET. */
  const hookTo = (url: string, giveUpAfterMs = 3_600_000, events = ['file.ingested']) =>
    addWebhook(backend.events!, {url, events, secret: SECRET, allowPrivate: true, giveUpAfterMs})
  const body = (r: Received): {id: string; type: string; createdAt: string; eventId: string; data: Record<string, unknown>} =>
    JSON.parse(r.body)

  it('signs each delivery so the receiver can verify it, and refuses tampered or old ones', async () => {
    const receiver = await startReceiver()
    try {
      await hookTo(receiver.url)
      const record = rawRecord('/drop/signed.csv')
      await backend.metadata.insertFile(record)
      expect(await deliverDue(backend.events!, {budgetMs: 5000})).to.deep.equal({delivered: 1, retrying: 0, failed: 0})
      const [got] = receiver.received
      const signature = String(got.headers['labmesh-signature'])
      expect(signature).to.match(/^t=\d+,v1=[0-9a-f]{64}$/)
      expect(verifySignature(SECRET, got.body, signature)).to.equal(true)
      expect(verifySignature(SECRET, got.body.replace('signed', 'forged'), signature)).to.equal(false)
      expect(verifySignature('another-secret-entirely', got.body, signature)).to.equal(false)
      const old = signPayload(SECRET, got.body, new Date(Date.now() - 10 * 60_000))
      expect(verifySignature(SECRET, got.body, old)).to.equal(false)
      const delivery = body(got)
      expect(delivery.type).to.equal('file.ingested')
      expect(delivery.data.fileId).to.equal(record.fileId)
      expect(delivery.id).to.match(/^dlv_/)
      expect(got.headers['labmesh-delivery']).to.equal(delivery.id)
      expect(Date.parse(delivery.createdAt)).to.be.closeTo(Date.now(), 60_000)
      expect((await backend.events!.deliveries({state: 'delivered', limit: 5}))[0].deliveryId).to.equal(delivery.id)
    } finally {
      await receiver.close()
    }
  })

  it('after webhooks rotate, signs with both secrets for the grace period, then with the new one only', async () => {
    const receiver = await startReceiver()
    try {
      const {webhook} = await hookTo(receiver.url)
      const rotated = await rotateWebhook(backend.events!, webhook.webhookId.slice(0, 8), 3_600_000)
      expect(rotated.secret)
        .to.match(/^whsec_/)
        .and.not.equal(SECRET)
      await backend.metadata.insertFile(rawRecord('/drop/rotating.csv'))
      await deliverDue(backend.events!, {budgetMs: 5000})
      const during = receiver.received[0]
      const signature = String(during.headers['labmesh-signature'])
      expect(signature).to.match(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/)
      // A receiver still holding the old secret and one already on the new secret both accept it.
      expect(verifySignature(SECRET, during.body, signature)).to.equal(true)
      expect(verifySignature(rotated.secret, during.body, signature)).to.equal(true)
      expect(verifySignature('another-secret-entirely', during.body, signature)).to.equal(false)

      const last = await rotateWebhook(backend.events!, webhook.webhookId, 0)
      await backend.metadata.insertFile(rawRecord('/drop/rotated.csv'))
      await deliverDue(backend.events!, {budgetMs: 5000})
      const after = receiver.received[1]
      const only = String(after.headers['labmesh-signature'])
      expect(only).to.match(/^t=\d+,v1=[0-9a-f]{64}$/)
      expect(verifySignature(last.secret, after.body, only)).to.equal(true)
      for (const old of [SECRET, rotated.secret]) expect(verifySignature(old, after.body, only)).to.equal(false)
    } finally {
      await receiver.close()
    }
  })

  it('retries after 500s and timeouts with backoff, with the same delivery id, then gives up after the configured age', async () => {
    const receiver = await startReceiver((_r, i) => (i === 0 ? 500 : i === 1 ? 'hang' : 200))
    try {
      await hookTo(receiver.url)
      await backend.metadata.insertFile(rawRecord('/drop/retried.csv'))
      let now = Date.now()
      const clock = (): Date => new Date(now)
      expect(await deliverDue(backend.events!, {budgetMs: 5000, now: clock})).to.deep.equal({delivered: 0, retrying: 1, failed: 0})
      let [pending] = await backend.events!.deliveries({state: 'pending', limit: 5})
      expect(pending).to.include({attempts: 1, lastStatus: 500})
      // Backoff: the first retry waits 15 to 30 s (half the base delay plus jitter); nothing is due before.
      const wait = Date.parse(pending.nextAttemptAt!) - now
      expect(wait).to.be.within(15_000, 30_000)
      expect(await deliverDue(backend.events!, {budgetMs: 5000, now: clock})).to.deep.equal({delivered: 0, retrying: 0, failed: 0})

      now += wait
      expect(await deliverDue(backend.events!, {budgetMs: 5000, timeoutMs: 300, now: () => new Date(now)})).to.deep.equal({
        delivered: 0,
        retrying: 1,
        failed: 0,
      })
      ;[pending] = await backend.events!.deliveries({state: 'pending', limit: 5})
      expect(pending.attempts).to.equal(2)
      expect(pending.lastError).to.match(/no answer within 300 ms/)
      expect(Date.parse(pending.nextAttemptAt!) - now).to.be.within(30_000, 60_000)

      now = Date.parse(pending.nextAttemptAt!)
      expect(await deliverDue(backend.events!, {budgetMs: 5000, now: () => new Date(now)})).to.deep.equal({
        delivered: 1,
        retrying: 0,
        failed: 0,
      })
      expect(new Set(receiver.received.map((r) => body(r).id)).size).to.equal(1)
      expect(receiver.received).to.have.length(3)

      // A receiver that stays down: given up once the event is older than the webhook's give-up age.
      const down = await startReceiver(() => 503)
      try {
        await hookTo(down.url, 60_000)
        await backend.metadata.insertFile(rawRecord('/drop/never.csv'))
        const summaries = []
        for (let round = 0; round < 4; round++) {
          summaries.push(await deliverDue(backend.events!, {budgetMs: 5000, now: () => new Date(now)}))
          now += 40_000
        }
        expect(summaries.reduce((n, s) => n + s.failed, 0)).to.equal(1)
        const [failed] = await backend.events!.deliveries({state: 'failed', limit: 5})
        expect(failed).to.include({lastStatus: 503})
      } finally {
        await down.close()
      }
    } finally {
      await receiver.close()
    }
  })

  it('sends more deliveries than it takes at once in one run, each once, past a batch that all stays pending', async () => {
    // The first batch (3 at once) is refused and waits for its retry; the loop goes on to the rest.
    const receiver = await startReceiver((_r, i) => (i < 3 ? 500 : 204))
    try {
      await hookTo(receiver.url, 3_600_000, ['table.updated'])
      for (let version = 0; version < 10; version++) await backend.events!.record('table.updated', {table: 'lab.files', version})
      expect(await deliverDue(backend.events!, {budgetMs: 30_000, concurrency: 3})).to.deep.equal({delivered: 7, retrying: 3, failed: 0})
      const ids = receiver.received.map((r) => body(r).id)
      expect(ids).to.have.length(10)
      expect(new Set(ids).size).to.equal(10)
      expect(await backend.events!.pendingCount()).to.equal(3)
      expect(await backend.events!.pendingCount(new Date())).to.equal(0)
    } finally {
      await receiver.close()
    }
  })

  it('refuses private, loopback and metadata targets unless allowed, and non-http URLs', async () => {
    const refused: [string, string][] = [
      ['http://127.0.0.1/x', 'FORBIDDEN'],
      ['http://10.1.2.3/x', 'FORBIDDEN'],
      ['http://169.254.169.254/latest/meta-data', 'FORBIDDEN'],
      ['http://[::1]/x', 'FORBIDDEN'],
      ['http://localhost:8080/x', 'FORBIDDEN'],
      ['ftp://example.com/x', 'USAGE'],
      ['https://user:pw@example.com/x', 'USAGE'],
    ]
    for (const [url, code] of refused) {
      const error = (await addWebhook(backend.events!, {url, events: ['file.ingested'], giveUpAfterMs: 1000}).catch(
        (e: unknown) => e,
      )) as LabmeshError
      expect(error.code, url).to.equal(code)
    }
    expect(
      (await addWebhook(backend.events!, {url: 'http://127.0.0.1/x', events: ['file.ingested'], giveUpAfterMs: 1000, allowPrivate: true}))
        .webhook.allowPrivate,
    ).to.equal(true)
    // A name is checked by the address the connection would use (this machine's name: a private or loopback one).
    const {address} = await lookup(hostname())
    if (!isPublicAddress(address)) {
      const sent = await sendDelivery({
        url: `http://${hostname()}:9/x`,
        secrets: [SECRET],
        body: '{}',
        deliveryId: 'dlv_x',
        type: 'file.ingested',
        allowPrivate: false,
        timeoutMs: 2000,
      })
      expect(sent.ok).to.equal(false)
      expect(sent.error).to.include(address)
    }
    expect(isPublicAddress('::ffff:127.0.0.1')).to.equal(false)
    expect(isPublicAddress('100.64.0.1')).to.equal(false)
    expect(isPublicAddress('93.184.216.34')).to.equal(true)
  })
})

describe('webhooks: the outbox survives a killed process', function () {
  this.timeout(120_000)

  it('delivers after a restart what a killed ingest did not, with the same delivery id', async () => {
    const ws = new TestWorkspace()
    // The first receiver takes the request and never answers; the process sending is killed meanwhile.
    let answering = false
    const receiver = await startReceiver(() => (answering ? 200 : 'hang'))
    try {
      const added = await ws.run(
        ['webhooks', 'add', receiver.url, '--events', 'file.ingested', '--allow-private', '--secret-from-env', 'HOOK_SECRET', '--json'],
        {env: {HOOK_SECRET: SECRET}},
      )
      expect(added.code, added.stderr).to.equal(0)
      const bin = new URL('../../bin/run.js', import.meta.url).pathname
      const child = spawn(process.execPath, [bin, 'ingest', `${INSTRUMENTS}/bmg_mars/BMG Labtech format.CSV`, '--json'], {
        env: ws.env(),
        stdio: 'ignore',
      })
      const first = await receiver.next()
      child.kill('SIGKILL')
      await new Promise((resolve) => child.on('exit', resolve))

      const pending = await ws.run(['webhooks', 'deliveries', '--pending', '--json'])
      expect(pending.json.deliveries).to.have.length(1)
      expect(pending.json.deliveries[0].deliveryId).to.equal(JSON.parse(first.body).id)

      // Its lease lapses (the request's timeout and a margin), then the next command sends it.
      answering = true
      const deadline = Date.now() + 30_000
      let delivered = 0
      while (delivered === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1000))
        const run = await ws.run(['webhooks', 'deliver', '--json'])
        expect(run.code, run.stderr).to.equal(0)
        delivered = run.json.delivered
      }
      expect(delivered).to.equal(1)
      const ids = receiver.received.map((r) => JSON.parse(r.body).id as string)
      expect(ids.length).to.be.at.least(2)
      expect(new Set(ids)).to.deep.equal(new Set([JSON.parse(first.body).id]))
      const after = await ws.run(['webhooks', 'deliveries', '--json'])
      expect(after.json.deliveries.map((d: {state: string}) => d.state)).to.deep.equal(['delivered'])
    } finally {
      await receiver.close()
      ws.remove()
    }
  })
})
