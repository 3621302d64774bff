import {timingSafeEqual} from 'node:crypto'

import type {ApiKey, ApiScope, KeyStore, StoredApiKey} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {keyState, publicKey} from './keys.js'
import {parseToken, secretDigest, verifySecret} from './secret.js'

/** Hashes recognised without scrypt, at most this many (one per key and secret in use). */
const CACHE_SIZE = 10_000
/** `lastUsedAt` is written at most this often per key: a write per request would cost more than the request. */
const TOUCH_EVERY_MS = 60_000

/**
 * Checks presented keys for the server. The record is read on every request, so a revocation or
 * an expiry takes effect at once; scrypt runs once per secret and hash, and later requests compare
 * a SHA-256 digest of the secret in constant time against the one remembered for that hash.
 */
export class KeyVerifier {
  private readonly known = new Map<string, Buffer>()
  private readonly touched = new Map<string, number>()

  constructor(
    private readonly store: KeyStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The key `token` names, when its secret is right and it is active; UNAUTHORIZED otherwise. */
  async authenticate(token: string): Promise<ApiKey> {
    const parsed = parseToken(token)
    if (!parsed) throw unauthorized('the API key is not in the form lmk_<id>_<secret>')
    const stored = await this.store.get(parsed.keyId)
    const now = this.now()
    if (!stored || !(await this.matches(stored, parsed.secret, now))) throw unauthorized('the API key is not valid')
    const state = keyState(stored, now)
    if (state !== 'active') throw unauthorized(`API key ${stored.keyId} is ${state}`)
    const last = this.touched.get(stored.keyId) ?? 0
    if (now.getTime() - last >= TOUCH_EVERY_MS) {
      this.touched.set(stored.keyId, now.getTime())
      await this.store.touch(stored.keyId, now.toISOString())
    }
    return publicKey(stored)
  }

  private async matches(stored: StoredApiKey, secret: string, now: Date): Promise<boolean> {
    const hashes = [stored.secretHash]
    if (stored.previousHash && stored.previousValidUntil && Date.parse(stored.previousValidUntil) > now.getTime()) {
      hashes.push(stored.previousHash)
    }
    const digest = secretDigest(secret)
    for (const hash of hashes) {
      const remembered = this.known.get(hash)
      if (remembered) {
        if (timingSafeEqual(remembered, digest)) return true
        continue
      }
      if (await verifySecret(secret, hash)) {
        if (this.known.size >= CACHE_SIZE) this.known.delete(this.known.keys().next().value!)
        this.known.set(hash, digest)
        return true
      }
    }
    return false
  }
}

/** FORBIDDEN naming the scope a key lacks; `admin` holds every scope. */
export function requireScope(key: ApiKey, scope: ApiScope): void {
  if (key.scopes.includes(scope) || key.scopes.includes('admin')) return
  throw new LabmeshError('FORBIDDEN', `API key ${key.keyId} lacks the scope ${scope}`, {
    subject: scope,
    suggestions: [`create a key with --scope ${scope}`],
  })
}

function unauthorized(message: string): LabmeshError {
  return new LabmeshError('UNAUTHORIZED', message, {
    suggestions: ['send Authorization: Bearer lmk_<id>_<secret>; keys come from `labmesh keys create`'],
  })
}
