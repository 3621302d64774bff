import type {Database} from 'better-sqlite3'

import {LabmeshError} from '../../errors.js'
import {type KeyRow, toApiKey, toStoredKey} from '../record-rows.js'
import type {KeyStore} from '../types.js'

/** API keys in the workspace database: hashes only (src/keys/secret.ts). */
export function createSqliteKeyStore(db: Database): KeyStore {
  const statements = {
    insert: db.prepare(`INSERT INTO api_keys (key_id, name, scopes, tables, secret_hash, created_at, expires_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)`),
    get: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE key_id = ?'),
    list: db.prepare<[], KeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC, key_id'),
    revoke: db.prepare('UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE key_id = ?'),
    rotate: db.prepare(`UPDATE api_keys SET previous_hash = secret_hash, secret_hash = ?, previous_until = ?, rotated_at = ?
                        WHERE key_id = ?`),
    touch: db.prepare('UPDATE api_keys SET last_used_at = ? WHERE key_id = ?'),
  }
  const mustGet = (keyId: string): KeyRow => {
    const row = statements.get.get(keyId)
    if (!row)
      throw new LabmeshError('NOT_FOUND', `no API key ${keyId}`, {subject: keyId, suggestions: ['see them with `labmesh keys list`']})
    return row
  }
  return {
    async insert(key) {
      try {
        statements.insert.run(
          key.keyId,
          key.name,
          JSON.stringify(key.scopes),
          JSON.stringify(key.tables),
          key.secretHash,
          key.createdAt,
          key.expiresAt,
        )
      } catch (error) {
        if ((error as {code?: string}).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new LabmeshError('CONFLICT', `an API key ${key.keyId} exists already`, {subject: key.keyId, cause: error})
        }
        throw error
      }
    },
    async get(keyId) {
      const row = statements.get.get(keyId)
      return row ? toStoredKey(row) : undefined
    },
    async list() {
      return statements.list.all().map(toApiKey)
    },
    async revoke(keyId, at) {
      mustGet(keyId)
      statements.revoke.run(at, keyId)
      return toApiKey(mustGet(keyId))
    },
    async rotate(keyId, secretHash, previousValidUntil, at) {
      mustGet(keyId)
      statements.rotate.run(secretHash, previousValidUntil, at, keyId)
      return toApiKey(mustGet(keyId))
    },
    async touch(keyId, at) {
      statements.touch.run(at, keyId)
    },
  }
}
