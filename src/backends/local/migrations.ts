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
]

export function migrate(db: Database): void {
  const current = db.pragma('user_version', {simple: true}) as number
  if (current > MIGRATIONS.length) {
    throw new Error(`the workspace database is at schema ${current}, newer than this labmesh (${MIGRATIONS.length}): upgrade labmesh`)
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version])
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
}
