import {API_SCOPES, type ApiKey, type ApiScope, type Backend, type KeyStore, type StoredApiKey} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {parseTableRef} from '../lake/catalog/table-ref.js'
import {hashSecret, newSecret} from './secret.js'

/** What `keys create` and `keys rotate` return: the secret, shown this once. */
export interface IssuedKey {
  key: ApiKey
  secret: string
}

export type KeyState = 'active' | 'expired' | 'revoked'

export interface NewKeyOptions {
  name: string
  scopes: string[]
  tables?: string[]
  /** Valid for this long (ms); absent: until revoked. */
  expiresInMs?: number
  now?: Date
}

/** Scopes as given (`files:read`, repeated or comma-separated), checked against API_SCOPES. */
export function parseScopes(values: string[]): ApiScope[] {
  const scopes = [...new Set(values.flatMap((v) => v.split(',')).map((s) => s.trim().toLowerCase()))].filter(Boolean)
  if (scopes.length === 0)
    throw new LabmeshError('USAGE', 'a key needs at least one --scope', {suggestions: [`scopes: ${API_SCOPES.join(', ')}`]})
  for (const scope of scopes) {
    if (!(API_SCOPES as readonly string[]).includes(scope)) {
      throw new LabmeshError('USAGE', `"${scope}" is not a scope`, {subject: scope, suggestions: [`scopes: ${API_SCOPES.join(', ')}`]})
    }
  }
  return scopes as ApiScope[]
}

/** `db.table` and `db.*` patterns of `--tables` (comma-separated or repeated). */
export function parseTablePatterns(values: string[]): string[] {
  const patterns = [...new Set(values.flatMap((v) => v.split(',')).map((s) => s.trim()))].filter(Boolean)
  for (const pattern of patterns) {
    const [database, table] = pattern.split('.')
    if (table === '*') parseTableRef(`${database}.any`)
    else parseTableRef(pattern)
    if (!pattern.includes('.')) {
      throw new LabmeshError('USAGE', `--tables "${pattern}": name the database too (lab.${pattern}, or lab.* for all its tables)`)
    }
  }
  return patterns
}

/** Whether `database.table` is among `patterns` (`db.table`, `db.*`). */
export function tableAllowed(patterns: string[], database: string, table: string): boolean {
  return patterns.some((p) => p === `${database}.${table}` || p === `${database}.*`)
}

export async function createKey(store: KeyStore, options: NewKeyOptions): Promise<IssuedKey> {
  const name = options.name.trim()
  if (!name) throw new LabmeshError('USAGE', 'a key needs a --name')
  const now = options.now ?? new Date()
  const {keyId, token, secret} = newSecret()
  const key: ApiKey = {
    keyId,
    name,
    scopes: parseScopes(options.scopes),
    tables: parseTablePatterns(options.tables ?? []),
    createdAt: now.toISOString(),
    expiresAt: options.expiresInMs === undefined ? null : new Date(now.getTime() + options.expiresInMs).toISOString(),
    lastUsedAt: null,
    revokedAt: null,
    rotatedAt: null,
    previousValidUntil: null,
  }
  await store.insert({...key, secretHash: await hashSecret(secret), previousHash: null})
  return {key, secret: token}
}

/** A new secret for a key; the one it replaces keeps working for `graceMs`. */
export async function rotateKey(store: KeyStore, keyId: string, graceMs: number, now = new Date()): Promise<IssuedKey> {
  const current = await findKey(store, keyId)
  const state = keyState(current, now)
  if (state !== 'active')
    throw new LabmeshError('CONFLICT', `key ${current.keyId} is ${state}: create a new key instead`, {subject: current.keyId})
  const {token, secret} = newSecret(current.keyId)
  const key = await store.rotate(
    current.keyId,
    await hashSecret(secret),
    new Date(now.getTime() + graceMs).toISOString(),
    now.toISOString(),
  )
  return {key, secret: token}
}

export async function revokeKey(store: KeyStore, keyId: string, now = new Date()): Promise<ApiKey> {
  return store.revoke((await findKey(store, keyId)).keyId, now.toISOString())
}

export function keyState(key: ApiKey, now = new Date()): KeyState {
  if (key.revokedAt) return 'revoked'
  if (key.expiresAt && Date.parse(key.expiresAt) <= now.getTime()) return 'expired'
  return 'active'
}

/** A key by its id or a unique prefix of at least 4 characters. */
export async function findKey(store: KeyStore, idOrPrefix: string): Promise<ApiKey> {
  const wanted = idOrPrefix.trim().toLowerCase()
  const exact = await store.get(wanted)
  if (exact) return publicKey(exact)
  const matches = wanted.length >= 4 ? (await store.list()).filter((k) => k.keyId.startsWith(wanted)) : []
  if (matches.length === 1) return matches[0]
  if (matches.length > 1) {
    throw new LabmeshError('USAGE', `"${idOrPrefix}" matches ${matches.length} keys`, {
      subject: idOrPrefix,
      suggestions: ['give more characters of the id'],
    })
  }
  throw new LabmeshError('NOT_FOUND', `no API key ${idOrPrefix}`, {
    subject: idOrPrefix,
    suggestions: wanted.length < 4 ? ['give at least 4 characters of the id'] : ['see them with `labmesh keys list`'],
  })
}

/** A stored key without its hashes: what may be shown or returned. */
export function publicKey(stored: StoredApiKey | ApiKey): ApiKey {
  const {secretHash: _secret, previousHash: _previous, ...key} = stored as StoredApiKey
  return key
}

/** The backend's key store, or UNSUPPORTED naming the backend. */
export function keyStoreOf(backend: Backend): KeyStore {
  if (!backend.keys) throw new LabmeshError('UNSUPPORTED', `the ${backend.name} backend has no API keys`)
  return backend.keys
}
