import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalWebhookSecretVault} from '../../../src/backends/local/webhook-secret-vault.js'
import type {LabmeshError} from '../../../src/errors.js'

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
    expect(lost.suggestions[0]).to.include('restore the key file')
  })
})
