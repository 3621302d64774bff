import type {Database} from 'better-sqlite3'

import {LabmeshError, toLabmeshError} from '../../errors.js'
import {BytesRemovedConflict} from '../bytes-removed.js'
import type {FileFilter, FileRecord, Label, MetadataStore, NewFileRecord, StageError, StageStatus, UnusedObject} from '../types.js'
import type {SearchWriter} from './search-writer.js'

export interface FileRow {
  file_id: string
  category: FileRecord['category']
  trace_id: string
  raw_file_id: string | null
  sha256: string
  size: number
  source_path: string
  source_host: string
  ingested_at: string
  modified_at: string
  version: number
  is_latest: number
  metadata: string
  status: StageStatus
  error_code: string | null
  error_message: string | null
}

const METADATA_KEY = /^[\w.\- ]+$/

/** Reads file records synchronously, so that code inside a transaction sees them as they are. */
export interface RecordReader {
  get(fileId: string): FileRecord | undefined
  toRecord(row: FileRow): FileRecord
  labels(fileId: string): Label[]
}

export function createRecordReader(db: Database): RecordReader {
  const labels = db.prepare<[string], Label>('SELECT name, value FROM labels WHERE file_id = ? ORDER BY name, value')
  const get = db.prepare<[string], FileRow>('SELECT * FROM files WHERE file_id = ?')
  const toRecord = (row: FileRow): FileRecord => ({
    fileId: row.file_id,
    category: row.category,
    traceId: row.trace_id,
    rawFileId: row.raw_file_id,
    sha256: row.sha256,
    size: row.size,
    sourcePath: row.source_path,
    sourceHost: row.source_host,
    ingestedAt: row.ingested_at,
    modifiedAt: row.modified_at,
    version: row.version,
    latest: row.is_latest === 1,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    labels: labels.all(row.file_id),
    status: row.status,
    error: row.error_code ? {code: row.error_code, message: row.error_message ?? ''} : null,
  })
  return {
    get(fileId) {
      const row = get.get(fileId)
      return row ? toRecord(row) : undefined
    },
    toRecord,
    labels: (fileId) => labels.all(fileId),
  }
}

function describeInsertError(record: NewFileRecord, error: unknown): LabmeshError {
  if ((error as {code?: string}).code !== 'SQLITE_CONSTRAINT_UNIQUE') return toLabmeshError(error)
  return new LabmeshError('CONFLICT', `${record.sourcePath} version ${record.version} was stored by another run at the same time`, {
    subject: record.sourcePath,
    suggestions: ['run the ingest again: it picks up where the other left off'],
    cause: error,
  })
}

/**
 * File records in the workspace's SQLite database. Every change is indexed for search in the
 * same transaction as the record, so the index never disagrees with the records.
 */
export function createSqliteMetadataStore(db: Database, search: SearchWriter): MetadataStore {
  const reader = createRecordReader(db)
  const statements = {
    insert: db.prepare(`INSERT INTO files (file_id, category, trace_id, raw_file_id, sha256, size, source_path, source_host,
        ingested_at, modified_at, version, is_latest, metadata, status, error_code, error_message)
      VALUES (@fileId, @category, @traceId, @rawFileId, @sha256, @size, @sourcePath, @sourceHost,
        @ingestedAt, @modifiedAt, @version, @latest, @metadata, @status, @errorCode, @errorMessage)`),
    supersede: db.prepare(`UPDATE files SET is_latest = 0
      WHERE category = ? AND source_host = ? AND source_path = ? AND is_latest = 1`),
    // The raw version behind the current document of a source, and the one behind a new document.
    currentDocumentRawVersion: db.prepare<[string, string], {version: number}>(`SELECT r.version FROM files e
      JOIN files r ON r.file_id = e.raw_file_id
      WHERE e.category = 'ENGINEERED' AND e.source_host = ? AND e.source_path = ? AND e.is_latest = 1`),
    rawVersion: db.prepare<[string], {version: number}>('SELECT version FROM files WHERE file_id = ?'),
    insertLabel: db.prepare('INSERT OR IGNORE INTO labels (file_id, name, value) VALUES (?, ?, ?)'),
    deleteLabel: db.prepare('DELETE FROM labels WHERE file_id = ? AND name = ? AND value = ?'),
    get: db.prepare<[string], FileRow>('SELECT * FROM files WHERE file_id = ?'),
    latest: db.prepare<[string, string, string], FileRow>(`SELECT * FROM files
      WHERE category = ? AND source_host = ? AND source_path = ? ORDER BY version DESC LIMIT 1`),
    versions: db.prepare<[string, string, string], FileRow>(`SELECT * FROM files
      WHERE category = ? AND source_host = ? AND source_path = ? ORDER BY version`),
    derived: db.prepare<[string], FileRow>('SELECT * FROM files WHERE raw_file_id = ? ORDER BY ingested_at, version'),
    prefix: db.prepare<[string, number], {file_id: string}>(
      "SELECT file_id FROM files WHERE file_id LIKE ? ESCAPE '\\' ORDER BY file_id LIMIT ?",
    ),
    setStatus: db.prepare(
      'UPDATE files SET status = ?, error_code = ?, error_message = ?, claim_owner = NULL, claim_expires_at = NULL WHERE file_id = ?',
    ),
    claim: db.prepare<[string, string, string]>(
      `UPDATE files SET status = 'converting', claim_owner = ?, claim_expires_at = ? WHERE file_id = ? AND category = 'RAW'`,
    ),
    statusOf: db.prepare<[string], {status: StageStatus}>('SELECT status FROM files WHERE file_id = ?'),
    renew: db.prepare("UPDATE files SET claim_expires_at = ? WHERE claim_owner = ? AND status = 'converting'"),
    requeueFailed: db.prepare(
      "UPDATE files SET status = 'ingested', error_code = NULL, error_message = NULL WHERE category = 'RAW' AND status = 'failed'",
    ),
    owners: db.prepare<[], {owner: string}>('SELECT DISTINCT claim_owner AS owner FROM files WHERE claim_owner IS NOT NULL'),
    deleteLabels: db.prepare('DELETE FROM labels WHERE file_id = ?'),
    // Search entries go with the record (trigger files_delete_search).
    deleteFile: db.prepare('DELETE FROM files WHERE file_id = ?'),
    hasCurrent: db.prepare<[string, string, string], {one: number}>(
      'SELECT 1 AS one FROM files WHERE category = ? AND source_host = ? AND source_path = ? AND is_latest = 1',
    ),
    restoreCurrentRaw: db.prepare(`UPDATE files SET is_latest = 1 WHERE file_id = (SELECT file_id FROM files
      WHERE category = 'RAW' AND source_host = ? AND source_path = ? ORDER BY version DESC LIMIT 1)`),
    restoreCurrentDocument: db.prepare(`UPDATE files SET is_latest = 1 WHERE file_id = (SELECT e.file_id FROM files e
      JOIN files r ON r.file_id = e.raw_file_id
      WHERE e.category = 'ENGINEERED' AND e.source_host = ? AND e.source_path = ? ORDER BY r.version DESC, e.version DESC LIMIT 1)`),
    objectUsed: db.prepare<[string], {one: number}>('SELECT 1 AS one FROM files WHERE sha256 = ? LIMIT 1'),
    queueUnused: db.prepare('INSERT OR IGNORE INTO unused_objects (sha256, category, queued_at) VALUES (?, ?, ?)'),
    unqueue: db.prepare('DELETE FROM unused_objects WHERE sha256 = ? AND category = ?'),
    // A record takes its bytes off the queue, unless a delete is removing them (it was refused then, given a mark).
    unqueueUnclaimed: db.prepare('DELETE FROM unused_objects WHERE sha256 = ? AND category = ? AND removing_until IS NULL'),
    claimRemoval: db.prepare(`UPDATE unused_objects SET removing_until = ?
      WHERE sha256 = ? AND category = ? AND (removing_until IS NULL OR removing_until < ?)`),
    removedSince: db.prepare<
      [string, string, number],
      {one: number}
    >(`SELECT 1 AS one FROM unused_objects WHERE sha256 = ? AND removing_until IS NOT NULL
      UNION ALL SELECT 1 FROM object_removals WHERE sha256 = ? AND seq > ? LIMIT 1`),
    logRemoval: db.prepare('INSERT INTO object_removals (sha256, category, removed_at) VALUES (?, ?, ?)'),
    lapsedClaims: db.prepare<[string], UnusedObject>('SELECT sha256, category FROM unused_objects WHERE removing_until < ?'),
    voidClaim: db.prepare('UPDATE unused_objects SET removing_until = NULL WHERE sha256 = ? AND category = ?'),
    lastRemoval: db.prepare<[], {seq: number}>('SELECT coalesce(max(seq), 0) AS seq FROM object_removals'),
    queued: db.prepare<[], UnusedObject>('SELECT sha256, category FROM unused_objects ORDER BY sha256, category'),
    pending: db.prepare<[string, number], {seq: number; file_id: string}>(
      'SELECT seq, file_id FROM file_outbox WHERE consumer = ? ORDER BY seq LIMIT ?',
    ),
    acknowledge: db.prepare('DELETE FROM file_outbox WHERE consumer = ? AND seq = ?'),
  }

  const toRecord = reader.toRecord

  const mustGet = (fileId: string): FileRow => {
    const row = statements.get.get(fileId)
    if (!row)
      throw new LabmeshError('NOT_FOUND', `no file with id ${fileId}`, {
        subject: fileId,
        suggestions: ['list files with `labmesh files list`'],
      })
    return row
  }

  /**
   * A new record becomes its source's current one, except a document of an older raw version than
   * the current document's (`convert --reconvert --file-id <version 1>` after version 2's).
   */
  const becomesCurrent = (record: NewFileRecord): boolean => {
    if (record.category !== 'ENGINEERED' || record.rawFileId === null) return true
    const current = statements.currentDocumentRawVersion.get(record.sourceHost, record.sourcePath)
    const own = statements.rawVersion.get(record.rawFileId)
    return current === undefined || own === undefined || own.version >= current.version
  }

  const insertFile = db.transaction((record: NewFileRecord, removalMark?: number) => {
    if (removalMark !== undefined && statements.removedSince.get(record.sha256, record.sha256, removalMark))
      throw new BytesRemovedConflict(record)
    const latest = becomesCurrent(record)
    if (latest) statements.supersede.run(record.category, record.sourceHost, record.sourcePath)
    statements.insert.run({
      ...record,
      latest: latest ? 1 : 0,
      metadata: JSON.stringify(record.metadata),
      errorCode: record.error?.code ?? null,
      errorMessage: record.error?.message ?? null,
    })
    for (const label of record.labels) statements.insertLabel.run(record.fileId, label.name, label.value)
    statements.unqueueUnclaimed.run(record.sha256, record.category)
    search.index(record, record.searchText)
  })

  /** Deletes records (derived ones first), gives each source its newest remaining version back, and queues objects left unused. */
  const deleteFiles = db.transaction((fileIds: string[]): UnusedObject[] => {
    const rows = fileIds.map(mustGet).sort((a, b) => Number(a.category === 'RAW') - Number(b.category === 'RAW'))
    for (const row of rows) {
      statements.deleteLabels.run(row.file_id)
      statements.deleteFile.run(row.file_id)
    }
    const queuedAt = new Date().toISOString()
    for (const row of rows) {
      if (!statements.hasCurrent.get(row.category, row.source_host, row.source_path)) {
        const restore = row.category === 'RAW' ? statements.restoreCurrentRaw : statements.restoreCurrentDocument
        restore.run(row.source_host, row.source_path)
      }
      if (!statements.objectUsed.get(row.sha256)) statements.queueUnused.run(row.sha256, row.category, queuedAt)
    }
    return statements.queued.all()
  })

  /** Claims a queued, unused object's removal (its bytes may go); one used again leaves the queue. */
  const claimObjectRemoval = db.transaction(({sha256, category}: UnusedObject, leaseMs: number): boolean => {
    if (statements.objectUsed.get(sha256)) {
      statements.unqueue.run(sha256, category)
      return false
    }
    const now = Date.now()
    return statements.claimRemoval.run(new Date(now + leaseMs).toISOString(), sha256, category, new Date(now).toISOString()).changes === 1
  })

  const dequeueUnusedObject = db.transaction(({sha256, category}: UnusedObject): boolean => {
    statements.logRemoval.run(sha256, category, new Date().toISOString())
    return statements.unqueue.run(sha256, category).changes === 1
  })

  /** The removal log's last entry, once claims whose lease lapsed are logged as removals (their bytes may be gone). */
  const removalMark = db.transaction((): number => {
    const now = new Date().toISOString()
    for (const {sha256, category} of statements.lapsedClaims.all(now)) {
      statements.voidClaim.run(sha256, category)
      statements.logRemoval.run(sha256, category, now)
    }
    return statements.lastRemoval.get()!.seq
  })

  /**
   * Records written together share one transaction: SQLite then writes each changed page once
   * per batch instead of once per file. Each record is its own savepoint, so one that fails
   * (a version stored meanwhile by another run) leaves the others in.
   */
  const insertBatch = db.transaction((records: NewFileRecord[], removalMark?: number) =>
    records.map((record) => {
      try {
        insertFile(record, removalMark)
        return undefined
      } catch (error) {
        return describeInsertError(record, error)
      }
    }),
  )

  // One immediate transaction per batch of claims: a file's status is read and changed with no other run in between.
  const claimFiles = db.transaction((fileIds: string[], claim: {owner: string; expiresAt: string; from: StageStatus[]}) =>
    fileIds.filter((fileId) => {
      const status = statements.statusOf.get(fileId)?.status
      if (status === undefined || !claim.from.includes(status)) return false
      return statements.claim.run(claim.owner, claim.expiresAt, fileId).changes === 1
    }),
  )

  const recordConversions = db.transaction((conversions: {rawFileId: string; engineered: NewFileRecord}[], removalMark?: number) =>
    conversions.map(({rawFileId, engineered}) => {
      let error: LabmeshError | undefined
      try {
        insertFile(engineered, removalMark)
      } catch (caught) {
        error = describeInsertError(engineered, caught)
      }
      statements.setStatus.run(error ? 'failed' : 'converted', error?.code ?? null, error?.message ?? null, rawFileId)
      return error
    }),
  )

  const updateLabels = db.transaction((fileId: string, add: Label[], remove: Label[]) => {
    mustGet(fileId)
    for (const label of remove) statements.deleteLabel.run(fileId, label.name, label.value)
    for (const label of add) statements.insertLabel.run(fileId, label.name, label.value)
    search.refreshLabels(fileId, reader.labels(fileId))
  })

  return {
    async insertFile(record) {
      const [error] = insertBatch([record])
      if (error) throw error
    },

    async insertFiles(records, options = {}) {
      // Immediate: the removal check and the writes see one state of the database, no writer in between.
      return insertBatch.immediate(records, options.removalMark)
    },

    async getFile(fileId) {
      const row = statements.get.get(fileId)
      return row ? toRecord(row) : undefined
    },

    async getFiles(fileIds) {
      return fileIds.map((id) => statements.get.get(id)).flatMap((row) => (row ? [toRecord(row)] : []))
    },

    async matchFileIds(prefix, limit) {
      const rows = statements.prefix.all(prefix.replace(/[%_\\]/g, '\\$&') + '%', limit)
      return rows.map((r) => r.file_id)
    },

    async latestAtSource(sourceHost, sourcePath, category = 'RAW') {
      const row = statements.latest.get(category, sourceHost, sourcePath)
      return row ? toRecord(row) : undefined
    },

    async listFiles(filter: FileFilter) {
      const where: string[] = []
      const params: unknown[] = []
      if (!filter.allVersions) where.push('f.is_latest = 1')
      if (filter.category) {
        where.push('f.category = ?')
        params.push(filter.category)
      }
      if (filter.status) {
        where.push('f.status = ?')
        params.push(filter.status)
      }
      if (filter.since) {
        where.push('f.ingested_at >= ?')
        params.push(filter.since)
      }
      if (filter.before) {
        where.push('f.ingested_at < ?')
        params.push(filter.before)
      }
      if (filter.sourcePath) {
        where.push('f.source_path = ?')
        params.push(filter.sourcePath)
      }
      for (const [key, value] of Object.entries(filter.metadata ?? {})) {
        if (!METADATA_KEY.test(key))
          throw new LabmeshError('INVALID_INPUT', `not a metadata key: "${key}" (letters, digits, _ . - and spaces)`)
        where.push('json_extract(f.metadata, ?) = ?')
        params.push(`$."${key}"`, value)
      }
      for (const label of filter.labels ?? []) {
        where.push('EXISTS (SELECT 1 FROM labels l WHERE l.file_id = f.file_id AND l.name = ? AND l.value = ?)')
        params.push(label.name, label.value)
      }
      if (filter.after) {
        where.push('(f.ingested_at, f.file_id) > (?, ?)')
        params.push(filter.after.ingestedAt, filter.after.fileId)
      }
      const sql = `SELECT f.* FROM files f ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''}
        ORDER BY f.ingested_at, f.file_id LIMIT ? OFFSET ?`
      params.push(filter.limit ?? -1, filter.offset ?? 0)
      return (db.prepare(sql).all(...params) as FileRow[]).map(toRecord)
    },

    async versionsOf(fileId) {
      const row = mustGet(fileId)
      return statements.versions.all(row.category, row.source_host, row.source_path).map(toRecord)
    },

    async derivedFrom(fileId) {
      return statements.derived.all(fileId).map(toRecord)
    },

    async updateLabels(fileId, add, remove) {
      updateLabels(fileId, add, remove)
      return toRecord(mustGet(fileId))
    },

    async deleteFiles(fileIds) {
      return {unusedObjects: deleteFiles(fileIds)}
    },

    async claimObjectRemoval(object, leaseMs) {
      return claimObjectRemoval.immediate(object, leaseMs)
    },

    async dequeueUnusedObject(object) {
      return dequeueUnusedObject.immediate(object)
    },

    async removalMark() {
      return removalMark.immediate()
    },

    async recordConversions(conversions, options = {}) {
      return recordConversions.immediate(conversions, options.removalMark)
    },

    async setStatus(fileId: string, status: StageStatus, error: StageError | null = null) {
      mustGet(fileId)
      statements.setStatus.run(status, error?.code ?? null, error?.message ?? null, fileId)
    },

    async claimFiles(fileIds, claim) {
      return claimFiles.immediate(fileIds, claim)
    },

    async renewClaims(owner, expiresAt) {
      statements.renew.run(expiresAt, owner)
    },

    async requeueFailed() {
      return statements.requeueFailed.run().changes
    },

    async claimOwners() {
      return statements.owners.all().map((row) => row.owner)
    },

    async releaseClaims({owners, expiredBefore}) {
      const held = owners.map(() => '?').join(', ')
      const where = [...(owners.length > 0 ? [`claim_owner IN (${held})`] : []), ...(expiredBefore ? ['claim_expires_at < ?'] : [])]
      if (where.length === 0) return 0
      const release = db.prepare(`UPDATE files SET status = 'ingested', claim_owner = NULL, claim_expires_at = NULL
        WHERE status = 'converting' AND (${where.join(' OR ')})`)
      return release.run(...owners, ...(expiredBefore ? [expiredBefore] : [])).changes
    },

    changes: {
      async pending(consumer, limit) {
        return statements.pending.all(consumer, limit).map((row) => ({seq: row.seq, fileId: row.file_id}))
      },
      async acknowledge(consumer, changes) {
        db.transaction(() => {
          for (const change of changes) statements.acknowledge.run(consumer, change.seq)
        })()
      },
    },
  }
}
