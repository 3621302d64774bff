import {LabmeshError} from '../../../errors.js'
import {type KeyRow, toApiKey, toStoredKey} from '../../record-rows.js'
import type {KeyStore} from '../../types.js'
import type {Postgres} from './connection.js'

/** API keys in the metadata database: hashes only (src/keys/secret.ts). */
export function createPostgresKeyStore(db: Postgres): KeyStore {
  const mustGet = async (keyId: string): Promise<KeyRow> => {
    const {rows} = await db.query<KeyRow>('SELECT * FROM api_keys WHERE key_id = $1', [keyId])
    if (!rows[0])
      throw new LabmeshError('NOT_FOUND', `no API key ${keyId}`, {subject: keyId, suggestions: ['see them with `labmesh keys list`']})
    return rows[0]
  }
  return {
    async insert(key) {
      const {rowCount} = await db.query(
        `INSERT INTO api_keys (key_id, name, scopes, tables, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (key_id) DO NOTHING`,
        [key.keyId, key.name, key.scopes, key.tables, key.secretHash, key.createdAt, key.expiresAt],
      )
      if (rowCount === 0) throw new LabmeshError('CONFLICT', `an API key ${key.keyId} exists already`, {subject: key.keyId})
    },
    async get(keyId) {
      const {rows} = await db.query<KeyRow>('SELECT * FROM api_keys WHERE key_id = $1', [keyId])
      return rows[0] ? toStoredKey(rows[0]) : undefined
    },
    async list() {
      const {rows} = await db.query<KeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC, key_id')
      return rows.map(toApiKey)
    },
    async revoke(keyId, at) {
      await mustGet(keyId)
      await db.query('UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE key_id = $2', [at, keyId])
      return toApiKey(await mustGet(keyId))
    },
    async rotate(keyId, secretHash, previousValidUntil, at) {
      await mustGet(keyId)
      await db.query(
        `UPDATE api_keys SET previous_hash = secret_hash, secret_hash = $1, previous_until = $2, rotated_at = $3 WHERE key_id = $4`,
        [secretHash, previousValidUntil, at, keyId],
      )
      return toApiKey(await mustGet(keyId))
    },
    async touch(keyId, at) {
      await db.query('UPDATE api_keys SET last_used_at = $1 WHERE key_id = $2', [at, keyId])
    },
  }
}
