import type {Database} from 'better-sqlite3'

/**
 * The workspace database schema, one entry per version. PRAGMA user_version records how many
 * have run; each runs in its own transaction, so a crash never leaves a half-migrated database.
 * Append new migrations; never edit one that has shipped.
 */
export const MIGRATIONS: string[] = [
  `CREATE TABLE files (
     file_id       TEXT PRIMARY KEY,
     category      TEXT NOT NULL CHECK (category IN ('RAW', 'ENGINEERED')),
     trace_id      TEXT NOT NULL,
     raw_file_id   TEXT REFERENCES files (file_id),
     sha256        TEXT NOT NULL,
     size          INTEGER NOT NULL,
     source_path   TEXT NOT NULL,
     source_host   TEXT NOT NULL,
     ingested_at   TEXT NOT NULL,
     modified_at   TEXT NOT NULL,
     version       INTEGER NOT NULL,
     is_latest     INTEGER NOT NULL DEFAULT 1,
     metadata      TEXT NOT NULL DEFAULT '{}',
     status        TEXT NOT NULL CHECK (status IN ('ingested', 'converted', 'failed')),
     error_code    TEXT,
     error_message TEXT
   );
   CREATE UNIQUE INDEX files_by_source ON files (category, source_host, source_path, version);
   CREATE INDEX files_latest ON files (is_latest, ingested_at);
   CREATE INDEX files_by_trace ON files (trace_id);
   CREATE INDEX files_by_raw ON files (raw_file_id);
   CREATE INDEX files_by_sha ON files (sha256);
   CREATE TABLE labels (
     file_id TEXT NOT NULL REFERENCES files (file_id),
     name    TEXT NOT NULL,
     value   TEXT NOT NULL,
     PRIMARY KEY (file_id, name, value)
   );
   CREATE INDEX labels_by_name ON labels (name, value);`,
  `CREATE TABLE catalog_tables (
     database      TEXT NOT NULL,
     name          TEXT NOT NULL,
     location      TEXT NOT NULL,
     managed       INTEGER NOT NULL,
     registered_at TEXT NOT NULL,
     PRIMARY KEY (database, name)
   );`,
  // Search (search-index.ts). Entries are written in the same transaction as the file record;
  // the triggers make removing an entry (or its file) remove all its words and values, and pass
  // a new version's superseding on to the entries, so the index cannot drift from the records.
  // search_entries repeats the few file columns every query filters or sorts on, so searching
  // never joins files for them; search_text holds the words people read and, in field_keys and
  // label_keys, the field-scoped tokens of src/search/keyed-words.ts; search_values holds each
  // metadata value and label as a number or time, for comparisons and facets.
  `CREATE TABLE search_entries (
     doc      INTEGER PRIMARY KEY,
     file_id  TEXT NOT NULL UNIQUE,
     latest   INTEGER NOT NULL,
     category TEXT NOT NULL,
     size     INTEGER NOT NULL,
     path     TEXT NOT NULL,
     version  INTEGER NOT NULL,
     time     INTEGER NOT NULL
   );
   CREATE VIRTUAL TABLE search_text USING fts5 (
     name, path, fields, labels, content, field_keys, label_keys,
     tokenize = 'unicode61 remove_diacritics 2'
   );
   CREATE TABLE search_values (
     id     INTEGER PRIMARY KEY,
     doc    INTEGER NOT NULL,
     field  TEXT NOT NULL,
     value  TEXT NOT NULL,
     number REAL,
     time   INTEGER
   );
   CREATE INDEX search_values_by_doc ON search_values (doc, field);
   CREATE INDEX search_values_by_number ON search_values (field, number, doc) WHERE number IS NOT NULL;
   CREATE INDEX search_values_by_time ON search_values (field, time, doc) WHERE time IS NOT NULL;
   CREATE TRIGGER search_entries_delete AFTER DELETE ON search_entries BEGIN
     DELETE FROM search_text WHERE rowid = old.doc;
     DELETE FROM search_values WHERE doc = old.doc;
   END;
   CREATE TRIGGER files_delete_search AFTER DELETE ON files BEGIN
     DELETE FROM search_entries WHERE file_id = old.file_id;
   END;
   CREATE TRIGGER files_latest_search AFTER UPDATE OF is_latest ON files BEGIN
     UPDATE search_entries SET latest = new.is_latest WHERE file_id = new.file_id;
   END;
   CREATE TABLE saved_searches (
     name     TEXT PRIMARY KEY,
     query    TEXT NOT NULL,
     saved_at TEXT NOT NULL
   );
   -- Files stored before search existed have no entry until a rebuild (search reindex) zeroes this.
   CREATE TABLE search_backlog (files INTEGER NOT NULL);
   INSERT INTO search_backlog SELECT count(*) FROM files;`,
  // The outbox of file changes (types.ts ChangeFeed), filled by triggers so that no writer can
  // forget it: the lake's lab.files copy catches up from it after each command, and after a crash.
  // Changes are queued under the raw file's id (an engineered file changes its raw file's row).
  `CREATE TABLE file_outbox (
     seq      INTEGER PRIMARY KEY AUTOINCREMENT,
     consumer TEXT NOT NULL,
     file_id  TEXT NOT NULL
   );
   CREATE INDEX file_outbox_by_consumer ON file_outbox (consumer, seq);
   CREATE INDEX files_by_time ON files (ingested_at, file_id);
   CREATE TRIGGER files_insert_outbox AFTER INSERT ON files BEGIN
     INSERT INTO file_outbox (consumer, file_id) VALUES ('lake', coalesce(new.raw_file_id, new.file_id));
   END;
   CREATE TRIGGER files_update_outbox AFTER UPDATE OF status, is_latest ON files BEGIN
     INSERT INTO file_outbox (consumer, file_id) VALUES ('lake', coalesce(new.raw_file_id, new.file_id));
   END;
   CREATE TRIGGER labels_insert_outbox AFTER INSERT ON labels BEGIN
     INSERT INTO file_outbox (consumer, file_id) SELECT 'lake', coalesce(raw_file_id, file_id) FROM files WHERE file_id = new.file_id;
   END;
   CREATE TRIGGER labels_delete_outbox AFTER DELETE ON labels BEGIN
     INSERT INTO file_outbox (consumer, file_id) SELECT 'lake', coalesce(raw_file_id, file_id) FROM files WHERE file_id = old.file_id;
   END;
   -- Files stored before the outbox existed are queued once, so lab.files comes to hold every file.
   INSERT INTO file_outbox (consumer, file_id) SELECT 'lake', file_id FROM files WHERE category = 'RAW' ORDER BY ingested_at, file_id;`,
  // Sharing (grant-store.ts): one row per permission granted, keyed like src/sharing/grant.ts
  // (resource and restriction as canonical JSON); tags with one value per key on a database or
  // table ('' for a database's own tags); and the append-only audit of every change.
  `CREATE TABLE grants (
     principal   TEXT NOT NULL,
     resource    TEXT NOT NULL,
     restriction TEXT NOT NULL,
     permission  TEXT NOT NULL,
     grantable   INTEGER NOT NULL,
     granted_at  TEXT NOT NULL,
     PRIMARY KEY (principal, resource, restriction, permission)
   );
   CREATE TABLE resource_tags (
     database   TEXT NOT NULL,
     table_name TEXT NOT NULL,
     key        TEXT NOT NULL,
     value      TEXT NOT NULL,
     PRIMARY KEY (database, table_name, key)
   );
   CREATE TABLE grant_audit (
     id           INTEGER PRIMARY KEY,
     at           TEXT NOT NULL,
     actor        TEXT NOT NULL,
     action       TEXT NOT NULL CHECK (action IN ('grant', 'revoke', 'tag', 'untag')),
     principal    TEXT,
     detail       TEXT NOT NULL,
     command_line TEXT NOT NULL
   );
   CREATE INDEX grant_audit_by_principal ON grant_audit (principal, id);`,
  // Managed tables' locations relative to the lake folder (catalog.ts), so that a workspace copied
  // or moved keeps writing its own tables. They always were lake/<database>/<table>.
  `UPDATE catalog_tables SET location = database || '/' || name WHERE managed = 1;`,
  // Convert claims (src/convert/claims.ts): a raw file being converted is `converting`, held by one
  // run (claim_owner) until its lease ends (claim_expires_at), so two runs never convert it both.
  // SQLite cannot change a CHECK constraint in place: the table is rebuilt, with its indexes and
  // the search and outbox triggers (migrate() turns foreign keys off for this and checks them before commit).
  `CREATE TABLE files_next (
     file_id          TEXT PRIMARY KEY,
     category         TEXT NOT NULL CHECK (category IN ('RAW', 'ENGINEERED')),
     trace_id         TEXT NOT NULL,
     raw_file_id      TEXT REFERENCES files (file_id),
     sha256           TEXT NOT NULL,
     size             INTEGER NOT NULL,
     source_path      TEXT NOT NULL,
     source_host      TEXT NOT NULL,
     ingested_at      TEXT NOT NULL,
     modified_at      TEXT NOT NULL,
     version          INTEGER NOT NULL,
     is_latest        INTEGER NOT NULL DEFAULT 1,
     metadata         TEXT NOT NULL DEFAULT '{}',
     status           TEXT NOT NULL CHECK (status IN ('ingested', 'converting', 'converted', 'failed')),
     error_code       TEXT,
     error_message    TEXT,
     claim_owner      TEXT,
     claim_expires_at TEXT
   );
   INSERT INTO files_next (file_id, category, trace_id, raw_file_id, sha256, size, source_path, source_host, ingested_at,
       modified_at, version, is_latest, metadata, status, error_code, error_message)
     SELECT file_id, category, trace_id, raw_file_id, sha256, size, source_path, source_host, ingested_at,
       modified_at, version, is_latest, metadata, status, error_code, error_message FROM files;
   -- Triggers of other tables that name files would stop the rename while files is gone: made again below.
   DROP TRIGGER labels_insert_outbox;
   DROP TRIGGER labels_delete_outbox;
   DROP TABLE files;
   ALTER TABLE files_next RENAME TO files;
   CREATE UNIQUE INDEX files_by_source ON files (category, source_host, source_path, version);
   CREATE INDEX files_latest ON files (is_latest, ingested_at);
   CREATE INDEX files_by_trace ON files (trace_id);
   CREATE INDEX files_by_raw ON files (raw_file_id);
   CREATE INDEX files_by_sha ON files (sha256);
   CREATE INDEX files_by_claim ON files (claim_owner) WHERE claim_owner IS NOT NULL;
   CREATE INDEX files_by_time ON files (ingested_at, file_id);
   CREATE TRIGGER files_delete_search AFTER DELETE ON files BEGIN
     DELETE FROM search_entries WHERE file_id = old.file_id;
   END;
   CREATE TRIGGER files_latest_search AFTER UPDATE OF is_latest ON files BEGIN
     UPDATE search_entries SET latest = new.is_latest WHERE file_id = new.file_id;
   END;
   CREATE TRIGGER files_insert_outbox AFTER INSERT ON files BEGIN
     INSERT INTO file_outbox (consumer, file_id) VALUES ('lake', coalesce(new.raw_file_id, new.file_id));
   END;
   CREATE TRIGGER files_update_outbox AFTER UPDATE OF status, is_latest ON files BEGIN
     INSERT INTO file_outbox (consumer, file_id) VALUES ('lake', coalesce(new.raw_file_id, new.file_id));
   END;
   CREATE TRIGGER labels_insert_outbox AFTER INSERT ON labels BEGIN
     INSERT INTO file_outbox (consumer, file_id) SELECT 'lake', coalesce(raw_file_id, file_id) FROM files WHERE file_id = new.file_id;
   END;
   CREATE TRIGGER labels_delete_outbox AFTER DELETE ON labels BEGIN
     INSERT INTO file_outbox (consumer, file_id) SELECT 'lake', coalesce(raw_file_id, file_id) FROM files WHERE file_id = old.file_id;
   END;`,
  // Monitored paths (`labmesh paths`) and the watcher's durable state per file (`labmesh watch`).
  `CREATE TABLE monitored_paths (
     name         TEXT PRIMARY KEY,
     settings     TEXT NOT NULL,
     created_at   TEXT NOT NULL,
     last_scan_at TEXT
   );
   CREATE TABLE watched_files (
     path_name     TEXT NOT NULL REFERENCES monitored_paths (name) ON DELETE CASCADE,
     relative_path TEXT NOT NULL,
     size          INTEGER NOT NULL,
     mtime_ms      REAL NOT NULL,
     state         TEXT NOT NULL CHECK (state IN ('pending', 'ingested', 'converted', 'failed', 'archived')),
     attempts      INTEGER NOT NULL,
     retry_at      TEXT,
     file_id       TEXT,
     ingested_at   TEXT,
     error_code    TEXT,
     error_message TEXT,
     updated_at    TEXT NOT NULL,
     PRIMARY KEY (path_name, relative_path)
   );`,
  // API keys (keys-store.ts): only salted scrypt hashes of their secrets.
  `CREATE TABLE api_keys (
     key_id         TEXT PRIMARY KEY,
     name           TEXT NOT NULL,
     scopes         TEXT NOT NULL,
     tables         TEXT NOT NULL,
     secret_hash    TEXT NOT NULL,
     previous_hash  TEXT,
     previous_until TEXT,
     created_at     TEXT NOT NULL,
     expires_at     TEXT,
     last_used_at   TEXT,
     revoked_at     TEXT,
     rotated_at     TEXT
   );`,
  // Events and webhook deliveries (event-store.ts): the durable outbox. File events are written by
  // triggers in the transaction that changes the record, and each event queues one delivery per
  // subscribed webhook in the same statement, so a crash anywhere loses none.
  `CREATE TABLE webhooks (
     webhook_id       TEXT PRIMARY KEY,
     url              TEXT NOT NULL,
     events           TEXT NOT NULL,
     secret           TEXT NOT NULL,
     allow_private    INTEGER NOT NULL,
     give_up_seconds  INTEGER NOT NULL,
     created_at       TEXT NOT NULL
   );
   CREATE TABLE events (
     seq      INTEGER PRIMARY KEY AUTOINCREMENT,
     event_id TEXT NOT NULL UNIQUE,
     type     TEXT NOT NULL,
     at       TEXT NOT NULL,
     data     TEXT NOT NULL
   );
   CREATE TABLE webhook_deliveries (
     delivery_id     TEXT PRIMARY KEY,
     webhook_id      TEXT NOT NULL,
     event_seq       INTEGER NOT NULL,
     state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
     attempts        INTEGER NOT NULL DEFAULT 0,
     next_attempt_at TEXT,
     lease_until     TEXT,
     last_status     INTEGER,
     last_error      TEXT,
     delivered_at    TEXT
   );
   CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at) WHERE state = 'pending';
   CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_seq);
   CREATE TRIGGER events_deliveries AFTER INSERT ON events BEGIN
     INSERT INTO webhook_deliveries (delivery_id, webhook_id, event_seq, state, next_attempt_at)
       SELECT 'dlv_' || lower(hex(randomblob(12))), webhook_id, new.seq, 'pending', new.at FROM webhooks
       WHERE EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value = new.type);
   END;
   CREATE TRIGGER files_ingested_event AFTER INSERT ON files WHEN new.category = 'RAW' BEGIN
     INSERT INTO events (event_id, type, at, data) VALUES (
       'evt_' || lower(hex(randomblob(12))), 'file.ingested', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
       json_object('fileId', new.file_id, 'traceId', new.trace_id, 'sourcePath', new.source_path, 'sourceHost', new.source_host,
         'sha256', new.sha256, 'size', new.size, 'version', new.version, 'ingestedAt', new.ingested_at, 'metadata', json(new.metadata)));
   END;
   CREATE TRIGGER files_converted_event AFTER UPDATE OF status ON files WHEN new.category = 'RAW' AND new.status IN ('converted', 'failed') BEGIN
     INSERT INTO events (event_id, type, at, data) VALUES (
       'evt_' || lower(hex(randomblob(12))), 'file.' || new.status, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
       json_object('fileId', new.file_id, 'traceId', new.trace_id, 'sourcePath', new.source_path, 'sourceHost', new.source_host,
         'version', new.version, 'status', new.status,
         'engineeredFileId', CASE WHEN new.status = 'converted' THEN (SELECT e.file_id FROM files e
           WHERE e.raw_file_id = new.file_id AND e.category = 'ENGINEERED' ORDER BY e.ingested_at DESC, e.version DESC LIMIT 1) END,
         'error', CASE WHEN new.status = 'failed' THEN json_object('code', new.error_code, 'message', new.error_message) END));
   END;`,
  // Webhook signing secrets leave the database (webhook-secret-vault.ts): a row keeps the sealed
  // secret in secret_ref. The event store moves the plaintext of older rows into it on first use
  // (the key is not SQL's to hold) and leaves plaintext_secret empty.
  `ALTER TABLE webhooks RENAME COLUMN secret TO plaintext_secret;
   ALTER TABLE webhooks ADD COLUMN secret_ref TEXT;`,
  // Runs of the batch commands (labmesh status): counts per run, and each run's first failures.
  `CREATE TABLE runs (
     run_id          TEXT PRIMARY KEY,
     command         TEXT NOT NULL,
     profile         TEXT NOT NULL,
     started_at      TEXT NOT NULL,
     ended_at        TEXT NOT NULL,
     duration_ms     INTEGER NOT NULL,
     status          TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'error')),
     ingested        INTEGER NOT NULL,
     unchanged       INTEGER NOT NULL,
     converted       INTEGER NOT NULL,
     failed          INTEGER NOT NULL,
     applied         INTEGER NOT NULL,
     bytes_ingested  INTEGER NOT NULL,
     bytes_converted INTEGER NOT NULL,
     error_code      TEXT,
     error_message   TEXT
   );
   CREATE INDEX runs_by_start ON runs (started_at);
   CREATE TABLE run_failures (
     run_id  TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
     seq     INTEGER NOT NULL,
     path    TEXT NOT NULL,
     stage   TEXT NOT NULL,
     code    TEXT NOT NULL,
     message TEXT NOT NULL,
     PRIMARY KEY (run_id, seq)
   );`,
  // The watch state 'spooled': a file kept in the local spool until the service is back (src/spool).
  // SQLite cannot change a CHECK constraint in place: the table is rebuilt with its rows.
  `CREATE TABLE watched_files_next (
     path_name     TEXT NOT NULL REFERENCES monitored_paths (name) ON DELETE CASCADE,
     relative_path TEXT NOT NULL,
     size          INTEGER NOT NULL,
     mtime_ms      REAL NOT NULL,
     state         TEXT NOT NULL CHECK (state IN ('pending', 'spooled', 'ingested', 'converted', 'failed', 'archived')),
     attempts      INTEGER NOT NULL,
     retry_at      TEXT,
     file_id       TEXT,
     ingested_at   TEXT,
     error_code    TEXT,
     error_message TEXT,
     updated_at    TEXT NOT NULL,
     PRIMARY KEY (path_name, relative_path)
   );
   INSERT INTO watched_files_next SELECT * FROM watched_files;
   DROP TABLE watched_files;
   ALTER TABLE watched_files_next RENAME TO watched_files;`,
  // Deleting files (files delete): objects that no record uses any more are queued in the same
  // transaction that deletes the records, and leave the queue only as their bytes are removed, so a
  // crash in between leaves them for the next delete. Storing a record takes its object off the queue.
  // audit_log: who deleted what, and when. A deleted record's change goes to the outbox too, so
  // lab.files loses its row.
  `CREATE TABLE unused_objects (
     sha256    TEXT NOT NULL,
     category  TEXT NOT NULL,
     queued_at TEXT NOT NULL,
     PRIMARY KEY (sha256, category)
   );
   CREATE TABLE audit_log (
     id      INTEGER PRIMARY KEY,
     at      TEXT NOT NULL,
     action  TEXT NOT NULL,
     subject TEXT NOT NULL,
     detail  TEXT NOT NULL DEFAULT '{}',
     user    TEXT NOT NULL,
     host    TEXT NOT NULL
   );
   CREATE INDEX audit_log_by_time ON audit_log (at);
   CREATE TRIGGER files_delete_outbox AFTER DELETE ON files BEGIN
     INSERT INTO file_outbox (consumer, file_id) VALUES ('lake', coalesce(old.raw_file_id, old.file_id));
   END;`,
  // file.deleted: one event per raw record `files delete` removes, in the transaction that removes it.
  `CREATE TRIGGER files_deleted_event AFTER DELETE ON files WHEN old.category = 'RAW' BEGIN
     INSERT INTO events (event_id, type, at, data) VALUES (
       'evt_' || lower(hex(randomblob(12))), 'file.deleted', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
       json_object('fileId', old.file_id, 'traceId', old.trace_id, 'sourcePath', old.source_path, 'sourceHost', old.source_host,
         'sha256', old.sha256, 'size', old.size, 'version', old.version, 'metadata', json(old.metadata)));
   END;`,
  // Removing an object's bytes (files delete) is claimed first, and logged once done: a record
  // whose bytes were staged before a removal is refused instead of pointing at nothing.
  `ALTER TABLE unused_objects ADD COLUMN removing_until TEXT;
   CREATE TABLE object_removals (
     seq        INTEGER PRIMARY KEY AUTOINCREMENT,
     sha256     TEXT NOT NULL,
     category   TEXT NOT NULL,
     removed_at TEXT NOT NULL
   );
   CREATE INDEX object_removals_by_sha ON object_removals (sha256, seq);`,
  // webhooks rotate: the previous signing secret keeps signing beside the new one until previous_until.
  `ALTER TABLE webhooks ADD COLUMN previous_secret_ref TEXT;
   ALTER TABLE webhooks ADD COLUMN previous_until TEXT;`,
  // The docs of current versions alone, a few bytes each: a search checks every FTS5 match
  // against it (a count reads nothing else) instead of a row of search_entries, which are too
  // many pages to stay in the cache (search-index.ts).
  `CREATE INDEX search_entries_latest ON search_entries (doc) WHERE latest = 1;`,
]

export function migrate(db: Database): void {
  const userVersion = (): number => db.pragma('user_version', {simple: true}) as number
  if (userVersion() > MIGRATIONS.length) {
    throw new Error(`the workspace database is at schema ${userVersion()}, newer than this labmesh (${MIGRATIONS.length}): upgrade labmesh`)
  }
  if (userVersion() === MIGRATIONS.length) return
  // A migration may rebuild a table, which foreign keys would refuse halfway (they can only be
  // switched outside a transaction); each migration checks them whole before it commits.
  db.pragma('foreign_keys = OFF')
  try {
    // Immediate transactions, and the version read again inside: two processes opening an old
    // workspace at once migrate it once.
    const step = db.transaction(() => {
      const version = userVersion()
      if (version >= MIGRATIONS.length) return false
      db.exec(MIGRATIONS[version])
      const broken = db.pragma('foreign_key_check') as unknown[]
      if (broken.length > 0) throw new Error(`migration ${version + 1} broke ${broken.length} foreign key references`)
      db.pragma(`user_version = ${version + 1}`)
      return true
    })
    // One migration per transaction, until none is left.
    let migrated = true
    while (migrated) migrated = step.immediate()
  } finally {
    db.pragma('foreign_keys = ON')
  }
}
