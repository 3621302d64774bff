import type {PoolClient} from 'pg'
import {LabmeshError} from '../../../errors.js'
import {BytesRemovedConflict} from '../../bytes-removed.js'
import type {Category, FileFilter, FileRecord, MetadataStore, NewFileRecord, StageError, StageStatus, UnusedObject} from '../../types.js'

import type {Postgres} from './connection.js'
import {type FileRow, SELECT_FILES, toRecord} from './file-rows.js'
import {indexFiles, reindexKeepingContent} from './search-writer.js'

const METADATA_KEY = /^[\w.\- ]+$/

// Any constant shared by every labmesh process: removals are logged, and marks read, one at a
// time, so the log's order is its commit order and no mark can pass a removal still being logged.
const REMOVAL_LOG_LOCK = 7_261_977_002

/** The transaction lock on one object's bytes, taken by a removal's claim and by records pointing at them. */
const LOCK_OBJECTS = 'SELECT pg_advisory_xact_lock(hashtextextended(s, 0)) FROM unnest($1::text[]) AS s'

const notFound = (fileId: string): LabmeshError =>
  new LabmeshError('NOT_FOUND', `no file with id ${fileId}`, {subject: fileId, suggestions: ['list files with `labmesh files list`']})

/**
 * File records in PostgreSQL (Amazon RDS or Aurora, or any PostgreSQL 14+). A batch of records is
 * one transaction of multi-row statements; the unique index on (category, source_host,
 * source_path, version) decides which of two concurrent writers of a version wins, and the other
 * gets CONFLICT for that record while the rest of its batch is stored. Changes are queued for the
 * lake by triggers (migrations.ts), and search entries written (search-writer.ts), in the same transaction.
 */
export function createPostgresMetadataStore(db: Postgres): MetadataStore {
  /**
   * Stores records inside the caller's transaction; an error per record that was not stored. Given
   * a removal mark, records whose bytes a delete removed since (or is removing) are refused: the
   * objects' locks make each removal's claim come wholly before or after this transaction.
   */
  const insertRecords = async (
    client: PoolClient,
    records: NewFileRecord[],
    removalMark?: number,
  ): Promise<(LabmeshError | undefined)[]> => {
    if (removalMark === undefined) return insertChecked(client, records)
    // In one order, so that two writers of the same objects cannot wait on each other.
    const shas = [...new Set(records.map((r) => r.sha256))].sort()
    await client.query(LOCK_OBJECTS, [shas])
    const {rows} = await client.query<{sha256: string}>(
      `SELECT sha256 FROM unused_objects WHERE sha256 = ANY($1) AND removing_until IS NOT NULL
       UNION SELECT sha256 FROM object_removals WHERE sha256 = ANY($1) AND seq > $2`,
      [shas, removalMark],
    )
    const removed = new Set(rows.map((r) => r.sha256))
    if (removed.size === 0) return insertChecked(client, records)
    const kept = records.filter((r) => !removed.has(r.sha256))
    const errors = kept.length === 0 ? [] : await insertChecked(client, kept)
    const byId = new Map(kept.map((r, i) => [r.fileId, errors[i]]))
    return records.map((r) => (removed.has(r.sha256) ? new BytesRemovedConflict(r) : byId.get(r.fileId)))
  }

  const insertChecked = async (client: PoolClient, records: NewFileRecord[]): Promise<(LabmeshError | undefined)[]> => {
    const column = <T>(pick: (r: NewFileRecord) => T): T[] => records.map(pick)
    const inserted = await client.query<{file_id: string}>(
      `INSERT INTO files (file_id, category, trace_id, raw_file_id, sha256, size, source_path, source_host,
         ingested_at, modified_at, version, metadata, status, error_code, error_message)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[],
         $9::timestamptz[], $10::timestamptz[], $11::integer[], $12::jsonb[], $13::text[], $14::text[], $15::text[])
       ON CONFLICT DO NOTHING RETURNING file_id`,
      [
        column((r) => r.fileId),
        column((r) => r.category),
        column((r) => r.traceId),
        column((r) => r.rawFileId),
        column((r) => r.sha256),
        column((r) => r.size),
        column((r) => r.sourcePath),
        column((r) => r.sourceHost),
        column((r) => r.ingestedAt),
        column((r) => r.modifiedAt),
        column((r) => r.version),
        column((r) => JSON.stringify(r.metadata)),
        column((r) => r.status),
        column((r) => r.error?.code ?? null),
        column((r) => r.error?.message ?? null),
      ],
    )
    const stored = new Set(inserted.rows.map((r) => r.file_id))
    const ids = [...stored]
    if (ids.length > 0) {
      // A document of an older raw version than its source's current document's (a reconverted
      // old version) is kept superseded: it must not hide the current file's document.
      await client.query(
        `UPDATE files n SET is_latest = false FROM files nr
         WHERE n.file_id = ANY($1) AND n.category = 'ENGINEERED' AND nr.file_id = n.raw_file_id
           AND EXISTS (SELECT 1 FROM files e JOIN files er ON er.file_id = e.raw_file_id
             WHERE e.category = 'ENGINEERED' AND e.is_latest AND e.source_host = n.source_host
               AND e.source_path = n.source_path AND NOT e.file_id = ANY($1) AND er.version > nr.version)`,
        [ids],
      )
      // The versions the other records supersede stop being their source's latest.
      await client.query(
        `UPDATE files f SET is_latest = false WHERE f.is_latest AND EXISTS (SELECT 1 FROM files n
           WHERE n.file_id = ANY($1) AND n.is_latest AND n.category = f.category AND n.source_host = f.source_host
             AND n.source_path = f.source_path AND n.version > f.version)`,
        [ids],
      )
      const storedRecords = records.filter((r) => stored.has(r.fileId))
      await client.query(
        `DELETE FROM unused_objects u USING unnest($1::text[], $2::text[]) AS r(sha256, category)
         WHERE u.sha256 = r.sha256 AND u.category = r.category AND u.removing_until IS NULL`,
        [storedRecords.map((r) => r.sha256), storedRecords.map((r) => r.category)],
      )
      const labels = storedRecords.flatMap((r) => r.labels.map((l) => [r.fileId, l.name, l.value]))
      if (labels.length > 0) {
        await client.query(
          'INSERT INTO labels (file_id, name, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING',
          [labels.map((l) => l[0]), labels.map((l) => l[1]), labels.map((l) => l[2])],
        )
      }
      await indexFiles(client, new Map(storedRecords.map((r) => [r.fileId, r.searchText])))
    }
    return records.map((record) =>
      stored.has(record.fileId)
        ? undefined
        : new LabmeshError('CONFLICT', `${record.sourcePath} version ${record.version} was stored by another run at the same time`, {
            subject: record.sourcePath,
            suggestions: ['run the ingest again: it picks up where the other left off'],
          }),
    )
  }
  const insertBatch = (records: NewFileRecord[], removalMark?: number): Promise<(LabmeshError | undefined)[]> =>
    db.transaction((client) => insertRecords(client, records, removalMark))

  const one = async (sql: string, values: unknown[]): Promise<FileRecord | undefined> => {
    const {rows} = await db.query<FileRow>(sql, values)
    return rows[0] ? toRecord(rows[0]) : undefined
  }
  const many = async (sql: string, values: unknown[]): Promise<FileRecord[]> => (await db.query<FileRow>(sql, values)).rows.map(toRecord)

  return {
    async insertFile(record) {
      const [error] = await insertBatch([record])
      if (error) throw error
    },

    insertFiles: (records, options = {}) => (records.length === 0 ? Promise.resolve([]) : insertBatch(records, options.removalMark)),

    getFile: (fileId) => one(`${SELECT_FILES} WHERE f.file_id = $1`, [fileId]),

    getFiles: (fileIds) => (fileIds.length === 0 ? Promise.resolve([]) : many(`${SELECT_FILES} WHERE f.file_id = ANY($1)`, [fileIds])),

    async matchFileIds(prefix, limit) {
      const {rows} = await db.query<{file_id: string}>(
        'SELECT file_id FROM files WHERE file_id LIKE $1 ESCAPE \'\\\' ORDER BY file_id COLLATE "C" LIMIT $2',
        [prefix.replace(/[%_\\]/g, '\\$&') + '%', limit],
      )
      return rows.map((r) => r.file_id)
    },

    latestAtSource: (sourceHost, sourcePath, category = 'RAW') =>
      one(`${SELECT_FILES} WHERE f.category = $1 AND f.source_host = $2 AND f.source_path = $3 ORDER BY f.version DESC LIMIT 1`, [
        category,
        sourceHost,
        sourcePath,
      ]),

    async listFiles(filter: FileFilter) {
      const where: string[] = []
      const values: unknown[] = []
      const bind = (value: unknown): string => {
        values.push(value)
        return `$${values.length}`
      }
      if (!filter.allVersions) where.push('f.is_latest')
      if (filter.category) where.push(`f.category = ${bind(filter.category)}`)
      if (filter.status) where.push(`f.status = ${bind(filter.status)}`)
      if (filter.since) where.push(`f.ingested_at >= ${bind(filter.since)}::timestamptz`)
      if (filter.before) where.push(`f.ingested_at < ${bind(filter.before)}::timestamptz`)
      if (filter.sourcePath) where.push(`f.source_path = ${bind(filter.sourcePath)}`)
      for (const [key, value] of Object.entries(filter.metadata ?? {})) {
        if (!METADATA_KEY.test(key))
          throw new LabmeshError('INVALID_INPUT', `not a metadata key: "${key}" (letters, digits, _ . - and spaces)`)
        where.push(`f.metadata ->> ${bind(key)} = ${bind(value)}`)
      }
      for (const label of filter.labels ?? []) {
        where.push(
          `EXISTS (SELECT 1 FROM labels l WHERE l.file_id = f.file_id AND l.name = ${bind(label.name)} AND l.value = ${bind(label.value)})`,
        )
      }
      if (filter.after)
        where.push(`(f.ingested_at, f.file_id) > (${bind(filter.after.ingestedAt)}::timestamptz, ${bind(filter.after.fileId)})`)
      const sql = `${SELECT_FILES} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY f.ingested_at, f.file_id LIMIT ${bind(filter.limit ?? null)} OFFSET ${bind(filter.offset ?? 0)}`
      return many(sql, values)
    },

    async versionsOf(fileId) {
      const file = await one(`${SELECT_FILES} WHERE f.file_id = $1`, [fileId])
      if (!file) throw notFound(fileId)
      return many(`${SELECT_FILES} WHERE f.category = $1 AND f.source_host = $2 AND f.source_path = $3 ORDER BY f.version`, [
        file.category,
        file.sourceHost,
        file.sourcePath,
      ])
    },

    derivedFrom: (fileId) => many(`${SELECT_FILES} WHERE f.raw_file_id = $1 ORDER BY f.ingested_at, f.version`, [fileId]),

    async updateLabels(fileId, add, remove) {
      await db.transaction(async (client) => {
        const found = await client.query('SELECT 1 FROM files WHERE file_id = $1 FOR UPDATE', [fileId])
        if (found.rowCount === 0) throw notFound(fileId)
        if (remove.length > 0) {
          await client.query(
            'DELETE FROM labels l USING unnest($2::text[], $3::text[]) AS r(name, value) WHERE l.file_id = $1 AND l.name = r.name AND l.value = r.value',
            [fileId, remove.map((l) => l.name), remove.map((l) => l.value)],
          )
        }
        if (add.length > 0) {
          await client.query(
            'INSERT INTO labels (file_id, name, value) SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING',
            [fileId, add.map((l) => l.name), add.map((l) => l.value)],
          )
        }
        await reindexKeepingContent(client, [fileId])
      })
      return (await one(`${SELECT_FILES} WHERE f.file_id = $1`, [fileId]))!
    },

    async setStatus(fileId: string, status: StageStatus, error: StageError | null = null) {
      const updated = await db.query(
        `UPDATE files SET status = $1, error_code = $2, error_message = $3, claim_owner = NULL, claim_expires_at = NULL
         WHERE file_id = $4`,
        [status, error?.code ?? null, error?.message ?? null, fileId],
      )
      if (updated.rowCount === 0) throw notFound(fileId)
    },

    deleteFiles: (fileIds) =>
      db.transaction(async (client) => {
        const {rows} = await client.query<{file_id: string; category: Category; source_host: string; source_path: string; sha256: string}>(
          'SELECT file_id, category, source_host, source_path, sha256 FROM files WHERE file_id = ANY($1) FOR UPDATE',
          [fileIds],
        )
        const found = new Set(rows.map((r) => r.file_id))
        const missing = fileIds.find((id) => !found.has(id))
        if (missing) throw notFound(missing)
        // Labels first: their trigger queues the change while the record is still there to name its raw file.
        await client.query('DELETE FROM labels WHERE file_id = ANY($1)', [fileIds])
        await client.query('DELETE FROM files WHERE file_id = ANY($1)', [fileIds])
        // A source whose current version went gets its newest remaining one back (a document: of the newest raw version).
        await client.query(
          `UPDATE files SET is_latest = true WHERE file_id IN (
             SELECT DISTINCT ON (f.category, f.source_host, f.source_path) f.file_id
             FROM files f LEFT JOIN files r ON r.file_id = f.raw_file_id
             WHERE (f.category, f.source_host, f.source_path) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))
               AND NOT EXISTS (SELECT 1 FROM files c WHERE c.is_latest AND c.category = f.category
                 AND c.source_host = f.source_host AND c.source_path = f.source_path)
             ORDER BY f.category, f.source_host, f.source_path, r.version DESC NULLS LAST, f.version DESC)`,
          [rows.map((r) => r.category), rows.map((r) => r.source_host), rows.map((r) => r.source_path)],
        )
        await client.query(
          `INSERT INTO unused_objects (sha256, category, queued_at)
           SELECT DISTINCT d.sha256, d.category, now() FROM unnest($1::text[], $2::text[]) AS d(sha256, category)
           WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = d.sha256)
           ON CONFLICT DO NOTHING`,
          [rows.map((r) => r.sha256), rows.map((r) => r.category)],
        )
        const queued = await client.query<UnusedObject>('SELECT sha256, category FROM unused_objects ORDER BY sha256, category')
        return {unusedObjects: queued.rows}
      }),

    claimObjectRemoval: ({sha256, category}, leaseMs) =>
      db.transaction(async (client) => {
        await client.query(LOCK_OBJECTS, [[sha256]])
        const used = await client.query('SELECT 1 FROM files WHERE sha256 = $1 LIMIT 1', [sha256])
        if (used.rowCount !== 0) {
          await client.query('DELETE FROM unused_objects WHERE sha256 = $1 AND category = $2', [sha256, category])
          return false
        }
        const claimed = await client.query(
          `UPDATE unused_objects SET removing_until = clock_timestamp() + $3 * interval '1 millisecond'
           WHERE sha256 = $1 AND category = $2 AND (removing_until IS NULL OR removing_until < clock_timestamp())`,
          [sha256, category, leaseMs],
        )
        return claimed.rowCount === 1
      }),

    dequeueUnusedObject: ({sha256, category}) =>
      db.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [REMOVAL_LOG_LOCK])
        await client.query('INSERT INTO object_removals (sha256, category) VALUES ($1, $2)', [sha256, category])
        const dequeued = await client.query('DELETE FROM unused_objects WHERE sha256 = $1 AND category = $2', [sha256, category])
        return dequeued.rowCount === 1
      }),

    removalMark: () =>
      db.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [REMOVAL_LOG_LOCK])
        // A claim whose lease lapsed (its delete stopped) may have removed the bytes: logged as a removal.
        await client.query(
          `WITH lapsed AS (UPDATE unused_objects SET removing_until = NULL WHERE removing_until < clock_timestamp() RETURNING sha256, category)
           INSERT INTO object_removals (sha256, category) SELECT sha256, category FROM lapsed`,
        )
        const {rows} = await client.query<{seq: string}>('SELECT coalesce(max(seq), 0) AS seq FROM object_removals')
        return Number(rows[0].seq)
      }),

    async claimFiles(fileIds, claim) {
      if (fileIds.length === 0) return []
      // One statement: a row another run claims meanwhile is re-checked after its lock, so only one run gets it.
      const {rows} = await db.query<{file_id: string}>(
        `UPDATE files SET status = 'converting', claim_owner = $1, claim_expires_at = $2
         WHERE file_id = ANY($3) AND category = 'RAW' AND status = ANY($4) RETURNING file_id`,
        [claim.owner, claim.expiresAt, fileIds, claim.from],
      )
      const claimed = new Set(rows.map((r) => r.file_id))
      return fileIds.filter((id) => claimed.has(id))
    },

    async renewClaims(owner, expiresAt) {
      await db.query("UPDATE files SET claim_expires_at = $1 WHERE claim_owner = $2 AND status = 'converting'", [expiresAt, owner])
    },

    async requeueFailed() {
      const updated = await db.query(
        "UPDATE files SET status = 'ingested', error_code = NULL, error_message = NULL WHERE category = 'RAW' AND status = 'failed'",
      )
      return updated.rowCount ?? 0
    },

    async claimOwners() {
      const {rows} = await db.query<{owner: string}>('SELECT DISTINCT claim_owner AS owner FROM files WHERE claim_owner IS NOT NULL')
      return rows.map((r) => r.owner)
    },

    async releaseClaims({owners, expiredBefore}) {
      if (owners.length === 0 && !expiredBefore) return 0
      const updated = await db.query(
        `UPDATE files SET status = 'ingested', claim_owner = NULL, claim_expires_at = NULL
         WHERE status = 'converting' AND (claim_owner = ANY($1) OR claim_expires_at < $2::timestamptz)`,
        [owners, expiredBefore ?? null],
      )
      return updated.rowCount ?? 0
    },

    async recordConversions(conversions, options = {}) {
      if (conversions.length === 0) return []
      return db.transaction(async (client) => {
        const errors = await insertRecords(
          client,
          conversions.map((c) => c.engineered),
          options.removalMark,
        )
        // The raw files' statuses in the same transaction: the triggers queue their changes with them.
        await client.query(
          `UPDATE files f SET status = u.status, error_code = u.code, error_message = u.message,
             claim_owner = NULL, claim_expires_at = NULL
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(file_id, status, code, message)
           WHERE f.file_id = u.file_id`,
          [
            conversions.map((c) => c.rawFileId),
            errors.map((e) => (e ? 'failed' : 'converted')),
            errors.map((e) => e?.code ?? null),
            errors.map((e) => e?.message ?? null),
          ],
        )
        return errors
      })
    },

    changes: {
      async pending(consumer, limit) {
        const {rows} = await db.query<{seq: string; file_id: string}>(
          'SELECT seq, file_id FROM file_outbox WHERE consumer = $1 ORDER BY seq LIMIT $2',
          [consumer, limit],
        )
        return rows.map((r) => ({seq: Number(r.seq), fileId: r.file_id}))
      },
      async acknowledge(consumer, changes) {
        if (changes.length === 0) return
        await db.query('DELETE FROM file_outbox WHERE consumer = $1 AND seq = ANY($2::bigint[])', [consumer, changes.map((c) => c.seq)])
      },
    },
  }
}
