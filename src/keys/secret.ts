import {createHash, randomBytes, scrypt, timingSafeEqual} from 'node:crypto'

/**
 * API key secrets. A key is `lmk_<keyId>_<secret>`: the prefix lets secret scanners (and people)
 * recognise it, the id finds its record without scanning, and only a salted scrypt hash of the
 * secret part is stored. Checking compares in constant time.
 */

const TOKEN = /^lmk_([0-9a-f]{16})_([0-9a-f]{64})$/
/** scrypt's cost: about 16 MiB and a few tens of milliseconds per check (OWASP's minimum is N=2^15 with r=8 at 32 MiB; N=2^14 keeps many checks at once in memory). */
const COST = {N: 16_384, r: 8, p: 1}
const KEY_LENGTH = 32

export interface NewSecret {
  keyId: string
  /** The whole key, to show once. */
  token: string
  secret: string
}

export function newKeyId(): string {
  return randomBytes(8).toString('hex')
}

export function newSecret(keyId: string = newKeyId()): NewSecret {
  const secret = randomBytes(32).toString('hex')
  return {keyId, secret, token: `lmk_${keyId}_${secret}`}
}

/** The id and secret of a presented key, or undefined when it does not have the key's form. */
export function parseToken(token: string): {keyId: string; secret: string} | undefined {
  const match = TOKEN.exec(token)
  return match ? {keyId: match[1], secret: match[2]} : undefined
}

/** `scrypt$N$r$p$<salt>$<hash>` (base64): the parameters travel with the hash, so they can change later. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await derive(secret, salt, COST)
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')].join('$')
}

/** Whether `secret` hashes to `stored`, compared in constant time; false for a hash it cannot read. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  const actual = await derive(secret, Buffer.from(salt, 'base64'), {N: Number(n), r: Number(r), p: Number(p)}, expected.length)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** A fast digest of a secret that already passed scrypt, to recognise it again without paying scrypt per request. */
export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest()
}

function derive(secret: string, salt: Buffer, cost: {N: number; r: number; p: number}, length = KEY_LENGTH): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, {...cost, maxmem: 64 * 1024 * 1024}, (error, key) => (error ? reject(error) : resolve(key)))
  })
}
