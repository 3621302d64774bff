import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../../src/backends/local/index.js'
import {createLocalWebhookSecretVault} from '../../../src/backends/local/webhook-secret-vault.js'
import type {LabmeshError} from '../../../src/errors.js'
import {addWebhook} from '../../../src/webhooks/manage.js'

/** The local vault on real files: AES-256-GCM under a key file it makes (0600). */
describe('local webhook secret vault', () => {
  let dir: string
  let keyFile: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'labmesh-vault-'))
    keyFile = path.join(dir, 'webhook-secrets.key')
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('seals with a 0600 key file made on first use; the sealed form opens for its own webhook only', async () => {
    const vault = createLocalWebhookSecretVault(keyFile)
    const secret = 'whsec_the-receivers-shared-secret'
    const sealed = await vault.seal('whk_a', secret)
    expect(sealed).to.match(/^v1\./).and.not.include(secret)
    expect(await vault.seal('whk_a', secret)).to.not.equal(sealed) // a fresh nonce each time
    expect(statSync(keyFile).mode & 0o777).to.equal(0o600)
    expect(readFileSync(keyFile)).to.have.length(32)
    // Another process (a new vault over the same file) opens it.
    expect(await createLocalWebhookSecretVault(keyFile).open('whk_a', sealed)).to.equal(secret)
    // Copied onto another webhook's row, it does not open.
    const swapped = (await vault.open('whk_b', sealed).catch((e: unknown) => e)) as LabmeshError
    expect(swapped.code).to.equal('INVALID_DATA')
    expect(swapped.message).to.include('whk_b').and.include(keyFile).and.not.include(secret)
  })

  it('says which key file to restore when the key that sealed a secret is gone', async () => {
    const sealed = await createLocalWebhookSecretVault(keyFile).seal('whk_a', 'whsec_0123456789abcdef')
    rmSync(keyFile)
    const lost = (await createLocalWebhookSecretVault(keyFile)
      .open('whk_a', sealed)
      .catch((e: unknown) => e)) as LabmeshError
    expect(lost.code).to.equal('INVALID_DATA')
    expect(lost.message).to.include(keyFile).and.include('missing')
    expect(lost.suggestions[0]).to.include('restore the key file')
    // Opening never makes a key: a new one would hide the loss.
    expect(existsSync(keyFile)).to.equal(false)
  })

  it('webhooks add tells of a missing or unreadable key file at once, naming it, and adds nothing', async () => {
    const backend = createLocalBackend({home: dir})
    try {
      const hook = {url: 'https://hooks.example.com/a', events: ['file.ingested'], giveUpAfterMs: 60_000}
      await addWebhook(backend.events!, hook)
      const workspaceKey = path.join(dir, 'webhook-secrets.key')
      const key = readFileSync(workspaceKey)
      rmSync(workspaceKey)
      // The next command (a new process: the key is read once per process).
      const next = createLocalBackend({home: dir})
      const missing = (await addWebhook(next.events!, hook).catch((e: unknown) => e)) as LabmeshError
      await next.close()
      expect(missing.code).to.equal('INVALID_DATA')
      expect(missing.message).to.include(workspaceKey).and.include('missing')
      expect(existsSync(workspaceKey)).to.equal(false)
      // Unreadable: a folder where the key file should be.
      mkdirSync(workspaceKey)
      const again = createLocalBackend({home: dir})
      const unreadable = (await addWebhook(again.events!, hook).catch((e: unknown) => e)) as LabmeshError
      await again.close()
      expect(unreadable.message).to.include(workspaceKey)
      expect(await backend.events!.listWebhooks()).to.have.length(1)
      // The key restored: adding works again.
      rmSync(workspaceKey, {recursive: true})
      writeFileSync(workspaceKey, key, {mode: 0o600})
      const restored = createLocalBackend({home: dir})
      await addWebhook(restored.events!, hook)
      expect(await restored.events!.listWebhooks()).to.have.length(2)
      await restored.close()
    } finally {
      await backend.close()
    }
  })
})
