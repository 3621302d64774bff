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
