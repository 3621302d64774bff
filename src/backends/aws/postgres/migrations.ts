import type {Postgres} from './connection.js'

/**
 * The metadata database schema, one entry per version, applied in order by `migrate`. Append new
 * migrations; never edit one that has shipped. Mirrors the local SQLite schema
 * (src/backends/local/migrations.ts) in PostgreSQL's types.
 */
export const PG_MIGRATIONS: string[] = [
  `CREATE TABLE files (
     file_id       text PRIMARY KEY,
     category      text NOT NULL CHECK (category IN ('RAW', 'ENGINEERED')),
     trace_id      text NOT NULL,
     raw_file_id   text REFERENCES files (file_id),
     sha256        text NOT NULL,
     size          bigint NOT NULL,
     source_path   text NOT NULL,
     source_host   text NOT NULL,
     ingested_at   timestamptz NOT NULL,
     modified_at   timestamptz NOT NULL,
     version       integer NOT NULL,
     is_latest     boolean NOT NULL DEFAULT true,
     metadata      jsonb NOT NULL DEFAULT '{}',
     status        text NOT NULL CHECK (status IN ('ingested', 'converted', 'failed')),
     error_code    text,
     error_message text
   );
   -- The version rule of the MetadataStore contract: a (source, version) is stored once.
   CREATE UNIQUE INDEX files_by_source ON files (category, source_host, source_path, version);
   CREATE INDEX files_by_time ON files (ingested_at, file_id);
   CREATE INDEX files_latest ON files (ingested_at, file_id) WHERE is_latest;
   CREATE INDEX files_by_trace ON files (trace_id);
   CREATE INDEX files_by_raw ON files (raw_file_id);
   CREATE INDEX files_by_sha ON files (sha256);
   CREATE INDEX files_by_prefix ON files (file_id text_pattern_ops);
   CREATE INDEX files_by_status ON files (category, status, ingested_at, file_id);
   CREATE TABLE labels (
     file_id text NOT NULL REFERENCES files (file_id),
     name    text NOT NULL,
     value   text NOT NULL,
     PRIMARY KEY (file_id, name, value)
   );
   CREATE INDEX labels_by_name ON labels (name, value);
   CREATE TABLE saved_searches (
     name     text PRIMARY KEY,
     query    text NOT NULL,
     saved_at timestamptz NOT NULL
   );
   -- The outbox of file changes (types.ts ChangeFeed), filled by triggers in the writers' own
   -- transactions; changes are queued under the raw file's id.
   CREATE TABLE file_outbox (
     seq      bigserial PRIMARY KEY,
     consumer text NOT NULL,
     file_id  text NOT NULL
   );
   CREATE INDEX file_outbox_by_consumer ON file_outbox (consumer, seq);
   CREATE FUNCTION labmesh_queue_file() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_TABLE_NAME = 'files' THEN
       INSERT INTO file_outbox (consumer, file_id) VALUES ('lake', coalesce(NEW.raw_file_id, NEW.file_id));
       RETURN NEW;
     END IF;
     INSERT INTO file_outbox (consumer, file_id)
       SELECT 'lake', coalesce(raw_file_id, file_id) FROM files
       WHERE file_id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.file_id ELSE NEW.file_id END);
     RETURN NULL;
   END $$;
   CREATE TRIGGER files_insert_outbox AFTER INSERT ON files FOR EACH ROW EXECUTE FUNCTION labmesh_queue_file();
   CREATE TRIGGER files_update_outbox AFTER UPDATE OF status, is_latest ON files FOR EACH ROW EXECUTE FUNCTION labmesh_queue_file();
   CREATE TRIGGER labels_outbox AFTER INSERT OR DELETE ON labels FOR EACH ROW EXECUTE FUNCTION labmesh_queue_file();`,
  // The audit trail of grant and tag changes (grant-audit.ts): the grants themselves are Lake
  // Formation's; detail holds the grant, or the resource and its tags, as src/sharing/grant.ts shapes them.
  `CREATE TABLE grant_audit (
     id           bigserial PRIMARY KEY,
     at           timestamptz NOT NULL,
     actor        text NOT NULL,
     action       text NOT NULL CHECK (action IN ('grant', 'revoke', 'tag', 'untag')),
     principal    text,
     detail       jsonb NOT NULL,
     command_line text NOT NULL
   );
   CREATE INDEX grant_audit_by_principal ON grant_audit (principal, id);`,
  // Convert claims (src/convert/claims.ts): a raw file being converted is `converting`, held by one
  // run (claim_owner) until its lease ends (claim_expires_at), so two runs never convert it both.
  `ALTER TABLE files DROP CONSTRAINT files_status_check;
   ALTER TABLE files ADD CONSTRAINT files_status_check CHECK (status IN ('ingested', 'converting', 'converted', 'failed'));
   ALTER TABLE files ADD COLUMN claim_owner text, ADD COLUMN claim_expires_at timestamptz;
   CREATE INDEX files_by_claim ON files (claim_owner) WHERE claim_owner IS NOT NULL;`,
  // Monitored paths (`labmesh paths`) and the watcher's durable state per file (`labmesh watch`).
  `CREATE TABLE monitored_paths (
     name         text PRIMARY KEY,
     settings     jsonb NOT NULL,
     created_at   timestamptz NOT NULL,
     last_scan_at timestamptz
   );
   CREATE TABLE watched_files (
     path_name     text NOT NULL REFERENCES monitored_paths (name) ON DELETE CASCADE,
     relative_path text NOT NULL,
     size          bigint NOT NULL,
     mtime_ms      double precision NOT NULL,
     state         text NOT NULL CHECK (state IN ('pending', 'ingested', 'converted', 'failed', 'archived')),
     attempts      integer NOT NULL,
     retry_at      timestamptz,
     file_id       text,
     ingested_at   timestamptz,
     error_code    text,
     error_message text,
     updated_at    timestamptz NOT NULL,
     PRIMARY KEY (path_name, relative_path)
   );`,
  // API keys (hashes only), and the events and webhook deliveries outbox, as in the local schema:
  // file events are written by triggers in the transaction that changes the record, and each
  // event queues a delivery per subscribed webhook. An event keeps the id of the transaction that
  // wrote it, so readers of the feed can wait for transactions still open (event-store.ts).
  `CREATE TABLE api_keys (
     key_id         text PRIMARY KEY,
     name           text NOT NULL,
     scopes         text[] NOT NULL,
     tables         text[] NOT NULL,
     secret_hash    text NOT NULL,
     previous_hash  text,
     previous_until timestamptz,
     created_at     timestamptz NOT NULL,
     expires_at     timestamptz,
     last_used_at   timestamptz,
     revoked_at     timestamptz,
     rotated_at     timestamptz
   );
   CREATE TABLE webhooks (
     webhook_id      text PRIMARY KEY,
     url             text NOT NULL,
     events          text[] NOT NULL,
     secret          text NOT NULL,
     allow_private   boolean NOT NULL,
     give_up_seconds integer NOT NULL,
     created_at      timestamptz NOT NULL
   );
   CREATE TABLE events (
     seq      bigserial PRIMARY KEY,
     event_id text NOT NULL UNIQUE,
     type     text NOT NULL,
     at       timestamptz NOT NULL DEFAULT clock_timestamp(),
     data     jsonb NOT NULL,
     txid     xid8 NOT NULL DEFAULT pg_current_xact_id()
   );
   CREATE TABLE webhook_deliveries (
     delivery_id     text PRIMARY KEY,
     webhook_id      text NOT NULL,
     event_seq       bigint NOT NULL,
     state           text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
     attempts        integer NOT NULL DEFAULT 0,
     next_attempt_at timestamptz,
     lease_until     timestamptz,
     last_status     integer,
     last_error      text,
     delivered_at    timestamptz
   );
   CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
   CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_seq);
   CREATE FUNCTION labmesh_new_id(prefix text) RETURNS text LANGUAGE sql VOLATILE AS
     $$ SELECT prefix || substr(replace(gen_random_uuid()::text, '-', ''), 1, 24) $$;
   CREATE FUNCTION labmesh_event_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO webhook_deliveries (delivery_id, webhook_id, event_seq, state, next_attempt_at)
       SELECT labmesh_new_id('dlv_'), webhook_id, NEW.seq, 'pending', NEW.at FROM webhooks WHERE NEW.type = ANY (events);
     RETURN NULL;
   END $$;
   CREATE TRIGGER events_deliveries AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION labmesh_event_deliveries();
   CREATE FUNCTION labmesh_file_event() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'INSERT' THEN
       INSERT INTO events (event_id, type, data) VALUES (labmesh_new_id('evt_'), 'file.ingested', jsonb_build_object(
         'fileId', NEW.file_id, 'traceId', NEW.trace_id, 'sourcePath', NEW.source_path, 'sourceHost', NEW.source_host,
         'sha256', NEW.sha256, 'size', NEW.size, 'version', NEW.version,
         'ingestedAt', to_char(NEW.ingested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'metadata', NEW.metadata));
     ELSE
       INSERT INTO events (event_id, type, data) VALUES (labmesh_new_id('evt_'), 'file.' || NEW.status, jsonb_build_object(
         'fileId', NEW.file_id, 'traceId', NEW.trace_id, 'sourcePath', NEW.source_path, 'sourceHost', NEW.source_host,
         'version', NEW.version, 'status', NEW.status,
         'engineeredFileId', CASE WHEN NEW.status = 'converted' THEN (SELECT e.file_id FROM files e
           WHERE e.raw_file_id = NEW.file_id AND e.category = 'ENGINEERED' ORDER BY e.ingested_at DESC, e.version DESC LIMIT 1) END,
         'error', CASE WHEN NEW.status = 'failed' THEN jsonb_build_object('code', NEW.error_code, 'message', NEW.error_message) END));
     END IF;
     RETURN NULL;
   END $$;
   CREATE TRIGGER files_ingested_event AFTER INSERT ON files FOR EACH ROW WHEN (NEW.category = 'RAW')
     EXECUTE FUNCTION labmesh_file_event();
   CREATE TRIGGER files_status_event AFTER UPDATE OF status ON files FOR EACH ROW
     WHEN (NEW.category = 'RAW' AND NEW.status IN ('converted', 'failed')) EXECUTE FUNCTION labmesh_file_event();`,
  // Webhook signing secrets leave the database for Secrets Manager: a row keeps the secret's ARN
  // in secret_ref. The event store moves the plaintext of older rows there on first use and
  // leaves plaintext_secret empty.
  `ALTER TABLE webhooks RENAME COLUMN secret TO plaintext_secret;
   ALTER TABLE webhooks ALTER COLUMN plaintext_secret SET DEFAULT '';
   ALTER TABLE webhooks ADD COLUMN secret_ref text;`,
  // Search (search-index.ts, src/search/compile-postgres.ts), as in the local schema: an entry per
  // file written by the metadata store in the transaction that writes the record (search-writer.ts),
  // removed with its file. `doc` is the file's words as a tsvector (src/search/postgres-text.ts)
  // under a GIN index; fields, labels and content keep the text snippets are cut from;
  // search_values holds each metadata value and label as a number or time, for comparisons and facets.
  `CREATE TABLE search_entries (
     file_id text PRIMARY KEY REFERENCES files (file_id) ON DELETE CASCADE,
     time    double precision NOT NULL,
     doc     tsvector NOT NULL,
     fields  text NOT NULL,
     labels  text NOT NULL,
     content text NOT NULL
   );
   CREATE INDEX search_entries_by_doc ON search_entries USING gin (doc);
   CREATE TABLE search_values (
     file_id text NOT NULL REFERENCES search_entries (file_id) ON DELETE CASCADE,
     field   text NOT NULL,
     value   text NOT NULL,
     number  double precision,
     time    double precision
   );
   CREATE INDEX search_values_by_file ON search_values (file_id, field);
   CREATE INDEX search_values_by_number ON search_values (field, number) WHERE number IS NOT NULL;
   CREATE INDEX search_values_by_time ON search_values (field, time) WHERE time IS NOT NULL;
   -- Files stored before search existed have no entry until a rebuild (search reindex) zeroes this.
   CREATE TABLE search_backlog (files bigint NOT NULL);
   INSERT INTO search_backlog SELECT count(*) FROM files;`,
  // Runs of the batch commands (labmesh status), as in the local schema.
  `CREATE TABLE runs (
     run_id          text PRIMARY KEY,
     command         text NOT NULL,
     profile         text NOT NULL,
     started_at      timestamptz NOT NULL,
     ended_at        timestamptz NOT NULL,
     duration_ms     bigint NOT NULL,
     status          text NOT NULL CHECK (status IN ('ok', 'failed', 'error')),
     ingested        bigint NOT NULL,
     unchanged       bigint NOT NULL,
     converted       bigint NOT NULL,
     failed          bigint NOT NULL,
     applied         bigint NOT NULL,
     bytes_ingested  bigint NOT NULL,
     bytes_converted bigint NOT NULL,
     error_code      text,
     error_message   text
   );
   CREATE INDEX runs_by_start ON runs (started_at);
   CREATE TABLE run_failures (
     run_id  text NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
     seq     integer NOT NULL,
     path    text NOT NULL,
     stage   text NOT NULL,
     code    text NOT NULL,
     message text NOT NULL,
     PRIMARY KEY (run_id, seq)
   );`,
  // The watch state 'spooled': a file kept in the local spool until the service is back (src/spool).
  `ALTER TABLE watched_files DROP CONSTRAINT watched_files_state_check;
   ALTER TABLE watched_files ADD CONSTRAINT watched_files_state_check
     CHECK (state IN ('pending', 'spooled', 'ingested', 'converted', 'failed', 'archived'));`,
  // Deleting files (files delete): objects no record uses any more are queued in the transaction
  // that deletes the records and leave the queue only as their bytes are removed, so a crash in
  // between leaves them for the next delete; storing a record takes its object off the queue. A
  // deleted record's change goes to the outbox, so lab.files loses its row. audit_log: who
  // deleted what, and when.
  `CREATE TABLE unused_objects (
     sha256    text NOT NULL,
     category  text NOT NULL CHECK (category IN ('RAW', 'ENGINEERED')),
     queued_at timestamptz NOT NULL,
     PRIMARY KEY (sha256, category)
   );
   CREATE TABLE audit_log (
     id        bigserial PRIMARY KEY,
     at        timestamptz NOT NULL,
     action    text NOT NULL,
     subject   text NOT NULL,
     detail    jsonb NOT NULL DEFAULT '{}',
     user_name text NOT NULL,
     host      text NOT NULL
   );
   CREATE INDEX audit_log_by_time ON audit_log (at);
   CREATE FUNCTION labmesh_queue_deleted_file() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO file_outbox (consumer, file_id) VALUES ('lake', coalesce(OLD.raw_file_id, OLD.file_id));
     RETURN NULL;
   END $$;
   CREATE TRIGGER files_delete_outbox AFTER DELETE ON files FOR EACH ROW EXECUTE FUNCTION labmesh_queue_deleted_file();`,
  // file.deleted: one event per raw record `files delete` removes, in the transaction that removes it.
  `CREATE FUNCTION labmesh_file_deleted_event() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO events (event_id, type, data) VALUES (labmesh_new_id('evt_'), 'file.deleted', jsonb_build_object(
       'fileId', OLD.file_id, 'traceId', OLD.trace_id, 'sourcePath', OLD.source_path, 'sourceHost', OLD.source_host,
       'sha256', OLD.sha256, 'size', OLD.size, 'version', OLD.version, 'metadata', OLD.metadata));
     RETURN NULL;
   END $$;
   CREATE TRIGGER files_deleted_event AFTER DELETE ON files FOR EACH ROW WHEN (OLD.category = 'RAW')
     EXECUTE FUNCTION labmesh_file_deleted_event();`,
  // Removing an object's bytes (files delete) is claimed first, and logged once done: a record
  // whose bytes were staged before a removal is refused instead of pointing at nothing.
  `ALTER TABLE unused_objects ADD COLUMN removing_until timestamptz;
   CREATE TABLE object_removals (
     seq        bigserial PRIMARY KEY,
     sha256     text NOT NULL,
     category   text NOT NULL,
     removed_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE INDEX object_removals_by_sha ON object_removals (sha256, seq);`,
  // A grant change is recorded `pending` before Lake Formation sees it and settled after (done, or
  // not_made), so a run stopped in between leaves a row the next listing of grants settles from
  // what Lake Formation then holds (grant-audit.ts). Older rows were written after the change: done.
  `ALTER TABLE grant_audit ADD COLUMN status text NOT NULL DEFAULT 'done' CHECK (status IN ('pending', 'done', 'not_made'));
   CREATE INDEX grant_audit_pending ON grant_audit (id) WHERE status = 'pending';`,
  // webhooks rotate: the previous signing secret keeps signing beside the new one until previous_until.
  `ALTER TABLE webhooks ADD COLUMN previous_secret_ref text, ADD COLUMN previous_until timestamptz;`,
  // Consumers that follow every file (not only raw ones) under its own id: the OpenSearch index
  // registers itself when a profile names an endpoint, so one searching in PostgreSQL queues nothing for it.
  `CREATE TABLE outbox_consumers (consumer text PRIMARY KEY);
   CREATE OR REPLACE FUNCTION labmesh_queue_file() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     changed text := CASE WHEN TG_OP = 'DELETE' THEN OLD.file_id ELSE NEW.file_id END;
   BEGIN
     INSERT INTO file_outbox (consumer, file_id) SELECT consumer, changed FROM outbox_consumers;
     IF TG_TABLE_NAME = 'files' THEN
       INSERT INTO file_outbox (consumer, file_id) VALUES ('lake', coalesce(NEW.raw_file_id, NEW.file_id));
       RETURN NEW;
     END IF;
     INSERT INTO file_outbox (consumer, file_id)
       SELECT 'lake', coalesce(raw_file_id, file_id) FROM files WHERE file_id = changed;
     RETURN NULL;
   END $$;
   CREATE OR REPLACE FUNCTION labmesh_queue_deleted_file() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO file_outbox (consumer, file_id) SELECT consumer, OLD.file_id FROM outbox_consumers;
     INSERT INTO file_outbox (consumer, file_id) VALUES ('lake', coalesce(OLD.raw_file_id, OLD.file_id));
     RETURN NULL;
   END $$;`,
]

// Any constant shared by every labmesh process: concurrent first runs migrate one at a time.
const MIGRATION_LOCK = 7_261_977_001

/**
 * Brings the database to the latest schema. The pending migrations run in one transaction under
 * an advisory lock, each recorded in labmesh_schema, so concurrent processes never apply one
 * twice and a crash leaves none half-applied. A database newer than this labmesh is refused.
 */
export async function migrate(db: Postgres): Promise<number> {
  return db.transaction(async (client) => {
    // The lock comes first: even CREATE TABLE IF NOT EXISTS fails when two sessions run it at once.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await client.query(
      'CREATE TABLE IF NOT EXISTS labmesh_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    )
    const {rows} = await client.query<{version: number | null}>('SELECT max(version) AS version FROM labmesh_schema')
    const current = rows[0].version ?? 0
    if (current > PG_MIGRATIONS.length) {
      throw new Error(`the metadata database is at schema ${current}, newer than this labmesh (${PG_MIGRATIONS.length}): upgrade labmesh`)
    }
    for (let version = current; version < PG_MIGRATIONS.length; version++) {
      await client.query(PG_MIGRATIONS[version])
      await client.query('INSERT INTO labmesh_schema (version) VALUES ($1)', [version + 1])
    }
    return PG_MIGRATIONS.length
  })
}

/** The schema version the database is at (0 before any migration), for doctor. */
export async function schemaVersion(db: Postgres): Promise<number> {
  const exists = await db.query<{found: string | null}>("SELECT to_regclass('labmesh_schema')::text AS found")
  if (!exists.rows[0].found) return 0
  const {rows} = await db.query<{version: number | null}>('SELECT max(version) AS version FROM labmesh_schema')
  return rows[0].version ?? 0
}
