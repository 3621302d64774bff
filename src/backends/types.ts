import type {Readable} from 'node:stream'

import type {LabmeshError} from '../errors.js'
import type {StructField} from '../lake/delta/schema.js'
import type {LakeStorage} from '../lake/delta/storage.js'
import type {SearchNode} from '../search/ast.js'

/**
 * The parts every backend provides. The local backend implements them with files, SQLite and
 * DuckDB; the AWS backend with S3 (SSE-KMS), Glue, Athena, Lake Formation and OpenSearch.
 * Commands only see these interfaces.
 */

export const CATEGORIES = ['RAW', 'ENGINEERED'] as const
export type Category = (typeof CATEGORIES)[number]
export const STAGE_STATUSES = ['ingested', 'converted', 'failed'] as const
export type StageStatus = (typeof STAGE_STATUSES)[number]

export interface Label {
  name: string
  value: string
}

export interface StageError {
  code: string
  message: string
}

/** One stored file version (PRODUCT.md, "File model"). */
export interface FileRecord {
  fileId: string
  category: Category
  /** Shared by a raw file and everything derived from it. */
  traceId: string
  /** For derived files: the raw file they came from. */
  rawFileId: string | null
  sha256: string
  size: number
  sourcePath: string
  sourceHost: string
  ingestedAt: string
  /** The source file's modification time (ISO 8601). */
  modifiedAt: string
  /** 1 for the first content seen at a source path, +1 for each new content there. */
  version: number
  /** False once a newer version of the same source is stored. */
  latest: boolean
  metadata: Record<string, string>
  labels: Label[]
  status: StageStatus
  error: StageError | null
}

export interface StoredObject {
  sha256: string
  size: number
  /** False when identical bytes were already stored (content addressing stores them once). */
  created: boolean
}

export interface PutOptions {
  /** Where the object belongs (S3: the raw/ or engineered/ prefix); default RAW. */
  category?: Category
  /** Called with each chunk's byte count as the object streams in. */
  onBytes?: (bytes: number) => void
}

/**
 * Content-addressed bytes: raw files and engineered documents, keyed by sha256 (and kept apart by
 * category where the backend has prefixes). Identical bytes are stored once: storing them again
 * is not an error, it says `created: false`. Nothing is ever left half-written under its name.
 */
export interface ObjectStore {
  /** Streams a file in, hashing as it goes; the name is the hash of the bytes stored, even if the source changes meanwhile. */
  putFile(sourcePath: string, options?: PutOptions): Promise<StoredObject>
  putBytes(bytes: Buffer, options?: Pick<PutOptions, 'category'>): Promise<StoredObject>
  has(sha256: string, category?: Category): Promise<boolean>
  /** The object's bytes as a stream; NOT_FOUND when absent. Callers verify the sha256 as they read. */
  openRead(sha256: string, category?: Category): Promise<Readable>
  /** Removes an object's bytes; removing an absent object is not an error. */
  delete(sha256: string, category?: Category): Promise<void>
}

export interface FileFilter {
  category?: Category
  labels?: Label[]
  metadata?: Record<string, string>
  status?: StageStatus
  /** ISO 8601 bounds on ingestedAt: at or after `since`, strictly before `before`. */
  since?: string
  before?: string
  sourcePath?: string
  /** Include superseded versions too (default: only each source's latest). */
  allVersions?: boolean
  limit?: number
  offset?: number
  /** Keyset paging: only files after this one in the listing's order (ingestedAt, then fileId). */
  after?: FileCursor
}

/** A place in listFiles' order, the last file of the previous page: pages stay right while files are added or changed. */
export interface FileCursor {
  ingestedAt: string
  fileId: string
}

/** A file record changed (stored, relabelled, its status or latest version changed), waiting for a consumer. */
export interface FileChange {
  seq: number
  fileId: string
}

/**
 * Consumers that replicate file records elsewhere: the lake's `lab.files` table (every backend),
 * and later a search service fed from it. The metadata store queues a change for each of them in
 * the same transaction as the record it describes (an outbox), so a crash between the record and
 * the replica loses nothing: the next run catches up.
 */
export const CHANGE_CONSUMERS = ['lake'] as const
export type ChangeConsumer = (typeof CHANGE_CONSUMERS)[number]

/** Stored bytes no record uses any more, waiting to be removed (files delete). */
export interface UnusedObject {
  sha256: string
  category: Category
}

/** The outbox of file changes, per consumer. */
export interface ChangeFeed {
  /** The oldest changes not yet acknowledged by `consumer`, at most `limit`. */
  pending(consumer: ChangeConsumer, limit: number): Promise<FileChange[]>
  /** Removes these changes from `consumer`'s queue (changes queued since stay). */
  acknowledge(consumer: ChangeConsumer, changes: FileChange[]): Promise<void>
}

/** A new record for MetadataStore.insertFile; the store assigns nothing, the caller decides (a new record is its source's latest). */
export interface NewFileRecord extends Omit<FileRecord, 'latest'> {
  /** Words of the file's engineered document (src/search/document-text.ts), indexed with the record, not stored on it. */
  searchText?: string
}

/**
 * File records, versions, lineage and labels.
 *
 * Versions: the caller gives a new record `version = latest + 1` (latestAtSource). The store
 * enforces that (category, sourceHost, sourcePath, version) is unique with its own constraint, and
 * a record that would repeat one is refused with CONFLICT (another run stored that version first);
 * the caller re-reads the latest version to decide again. Storing a version marks the previous
 * one superseded in the same transaction.
 */
export interface MetadataStore {
  /**
   * Stores one record as its source's current version (superseding the one before); CONFLICT when
   * its version at its source is taken. An engineered document of an older raw version than the
   * current document's is kept as a superseded version instead, so reconverting an old file never
   * hides the current file's document.
   */
  insertFile(record: NewFileRecord): Promise<void>
  /** Stores many records in one transaction per call; an error per record that was not stored (CONFLICT as above), the others stored. */
  insertFiles(records: NewFileRecord[]): Promise<(LabmeshError | undefined)[]>
  getFile(fileId: string): Promise<FileRecord | undefined>
  /** The records of these ids that exist, in no particular order. */
  getFiles(fileIds: string[]): Promise<FileRecord[]>
  /** Ids starting with a prefix, at most `limit` of them. */
  matchFileIds(prefix: string, limit: number): Promise<string[]>
  /** The newest version stored for a source path on a host (raw files unless a category is given). */
  latestAtSource(sourceHost: string, sourcePath: string, category?: Category): Promise<FileRecord | undefined>
  listFiles(filter: FileFilter): Promise<FileRecord[]>
  /** Every version stored for the same source as this file, oldest first. */
  versionsOf(fileId: string): Promise<FileRecord[]>
  /** Files derived from a raw file (same trace). */
  derivedFrom(fileId: string): Promise<FileRecord[]>
  /** Adds labels (and removes `remove`), returning the record as it now is. */
  updateLabels(fileId: string, add: Label[], remove: Label[]): Promise<FileRecord>
  setStatus(fileId: string, status: StageStatus, error?: StageError | null): Promise<void>
  /**
   * Deletes records with their labels and search entries, all or none (derived records must be
   * in the list with their raw file), queueing each one's change. A source whose current version
   * goes gets its newest remaining one back. Returns the objects no record uses any more: queued
   * with the deletion, including any a crashed earlier deletion left, and removed with
   * `claimUnusedObject`.
   */
  deleteFiles(fileIds: string[]): Promise<{unusedObjects: UnusedObject[]}>
  /**
   * Takes an object off the queue of unused ones: true when no record uses its bytes still (any
   * record with its sha256, whatever the category), and they may be removed.
   */
  claimUnusedObject(object: UnusedObject): Promise<boolean>
  /** Changes to replicate, queued with the records. */
  readonly changes: ChangeFeed
}

/*
 * The later stages' parts, declared now so that every backend shapes itself around them:
 * Catalog (local catalog / Glue), QueryEngine (DuckDB / Athena), SearchIndex (FTS5 /
 * OpenSearch or PostgreSQL full-text search), KeyStore (SQLite / PostgreSQL). Each backend implements them as the
 * stage that needs them lands; Backend gains the matching optional member then.
 */

export interface TableRef {
  database: string
  table: string
}

/** A table in the catalog: where its Delta log lives. Its schema and version are read from the log. */
export interface CatalogEntry extends TableRef {
  /** A folder or an s3:// URL. */
  location: string
  /** True for tables labmesh writes (convert); false for tables registered from elsewhere. */
  managed: boolean
  registeredAt: string
}

/** A table's columns as the catalog keeps them (Glue: for engines and column grants); the Delta log stays the truth. */
export interface TableSchema {
  columns: StructField[]
  partitionColumns: string[]
}

/**
 * The catalog of Delta tables (the local catalog in SQLite; Glue on AWS). It knows where each
 * table lives; the table's own storage is opened from its location by the backend (lakeStorage).
 */
export interface Catalog {
  list(database?: string): Promise<CatalogEntry[]>
  get(ref: TableRef): Promise<CatalogEntry | undefined>
  /**
   * Adds (or with `replace`, updates) a table with its schema; registering the same location again
   * changes nothing; CONFLICT when the name is taken by another location.
   */
  register(entry: Omit<CatalogEntry, 'registeredAt'>, schema: TableSchema, options?: {replace?: boolean}): Promise<CatalogEntry>
  /** Removes a table's registration (its data stays where it is); false when it was not registered. */
  unregister(ref: TableRef): Promise<boolean>
  /** Records a registered table's new schema (after columns were added). */
  updateSchema(ref: TableRef, schema: TableSchema): Promise<void>
  /** Refuses names this catalog cannot hold (INVALID_INPUT saying why): Glue keeps lower-case names, and Athena reads them so. */
  checkNames(ref: TableRef, schema?: TableSchema): void
  /** Where labmesh keeps a managed table: a folder, or an s3:// URL. */
  managedLocation(ref: TableRef): string
}

/** A value bound to a query parameter; the engine casts a string to the type the statement needs there. */
export type QueryParamValue = string | number | boolean | null

/** The version of a table a query reads: a version number, or the latest one committed at or before a time. */
export type TableVersion = {version: number} | {timestamp: Date}

export interface QueryRequest {
  sql: string
  /** Bound as prepared-statement parameters (`$name`), never pasted into the SQL. */
  params?: Record<string, QueryParamValue>
  /** Time travel: `database.table` -> the version to read instead of the latest. */
  asOf?: Record<string, TableVersion>
  /** Aborting cancels the running statement. */
  signal?: AbortSignal
  /** Called every few hundred milliseconds while the statement runs. */
  onProgress?(progress: QueryProgress): void
}

export interface QueryProgress {
  /** 0-100, when the engine can tell. */
  percent?: number
  /** Rows the engine has read from the tables so far, when it can tell. */
  rowsRead?: number
}

export interface QueryColumn {
  name: string
  /** The engine's SQL type: DuckDB's BIGINT, VARCHAR[], STRUCT(...); Athena's bigint, array(varchar)... */
  type: string
}

/**
 * A result value, JSON-safe: numbers (integers beyond 2^53 as strings), strings, booleans, null,
 * timestamps as ISO 8601 strings, bytes as base64, lists as arrays, structs and maps as objects.
 */
export type QueryValue = null | boolean | number | string | QueryValue[] | {[key: string]: QueryValue}

/** A running statement's result: iterate for pages of rows (DuckDB chunks; Athena GetQueryResults pages). */
export interface QueryRows extends AsyncIterable<QueryValue[][]> {
  readonly columns: QueryColumn[]
  /** `plan` for EXPLAIN, whose rows hold the plan as text in the last column. */
  readonly kind: 'rows' | 'plan'
}

export type ExportFormat = 'csv' | 'tsv' | 'json' | 'jsonl' | 'parquet'

export interface ExportTarget {
  /** A local file; it appears complete or not at all. */
  path: string
  format: ExportFormat
}

/**
 * Read-only SQL over the catalog: every table is `database.table` at its current version (or the
 * one in `asOf`). Only queries run (SELECT/WITH/VALUES, DESCRIBE/SHOW, EXPLAIN), and they read
 * nothing but the lake's tables. DuckDB locally; on AWS, Athena (results paged from
 * GetQueryResults, UNLOAD for Parquet, parameters bound as ExecutionParameters).
 */
export interface QueryEngine {
  /** The engine and its version, recorded with results (`DuckDB v1.5.6`). */
  readonly engine: string
  /** Runs the statement and hands its result to `consume`; the statement and its session end when `consume` settles. */
  query<T>(request: QueryRequest, consume: (rows: QueryRows) => Promise<T>): Promise<T>
  /** Writes the whole result to a local file without holding it in memory; `columns` are named as in the file (a repeated name gets _1, _2 ...). */
  export(request: QueryRequest, target: ExportTarget): Promise<{columns: QueryColumn[]; rows: number}>
}

export const SEARCH_SORTS = ['score', 'time', 'path'] as const
export type SearchSort = (typeof SEARCH_SORTS)[number]

/** Which files a query looks at; the query itself is a parsed tree (src/search/parser.ts). */
export interface SearchScope {
  category?: Category
  /** Include superseded versions too (default: only each source's latest). */
  allVersions?: boolean
}

export interface SearchOptions extends SearchScope {
  limit?: number
  offset?: number
  /** score: best match first; time: newest first (the `time` metadata); path: by source path. */
  sort?: SearchSort
}

export interface SearchHit {
  file: FileRecord
  /**
   * Relevance, higher is better: bm25 of the free words and name:/path: terms (field values and
   * prefixes select without scoring), plus 10 when a metadata value or label equals a searched
   * term whole; 0 when nothing scores.
   */
  score: number
  /** Where the words matched, each match between « and » (src/search/highlight.ts); null without words to show. */
  snippet: string | null
}

export interface FacetCount {
  value: string
  count: number
}

/**
 * Search over files: words of paths, names, metadata, labels and engineered documents, with
 * fields and comparisons. Entries are written by the metadata store as records change, in the
 * same transaction (local); `rebuild` recreates them all from the records.
 */
export interface SearchIndex {
  /** A page of hits and the total; a null query matches every file in scope. */
  search(query: SearchNode | null, options?: SearchOptions): Promise<{total: number; hits: SearchHit[]}>
  count(query: SearchNode | null, scope?: SearchScope): Promise<number>
  /** How many hits have each value of a field (metadata key, `label.<name>`, `label`, category, status), most first. */
  facets(query: SearchNode | null, field: string, scope?: SearchScope & {limit?: number}): Promise<FacetCount[]>
  /** Files stored before the index existed (an upgrade) and not indexed since: 0 once rebuilt. */
  unindexed(): Promise<number>
  /**
   * Replaces every file's entry from its record and `searchText(record)`, a page at a time (each
   * file's entry is swapped whole, so searches stay right during a rebuild), then removes
   * entries of files that are gone and clears the backlog of `unindexed()`.
   */
  rebuild(options: {
    searchText(record: FileRecord): Promise<string | undefined>
    onProgress?(done: number, total: number): void
  }): Promise<{indexed: number; removed: number}>
}

export interface SavedSearch {
  name: string
  query: string
  savedAt: string
}

/** Named queries, kept with the file records (SQLite locally, PostgreSQL on AWS) so a team reruns the same search. */
export interface SavedSearchStore {
  /** CONFLICT when the name is taken, unless `replace`. */
  save(name: string, query: string, options?: {replace?: boolean}): Promise<SavedSearch>
  get(name: string): Promise<SavedSearch | undefined>
  list(): Promise<SavedSearch[]>
  /** Removes a saved search; false when there was none of that name. */
  delete(name: string): Promise<boolean>
}

export interface ApiKey {
  keyId: string
  name: string
  scopes: string[]
  createdAt: string
  expiresAt: string | null
  revokedAt: string | null
}

export interface KeyStore {
  /** Stores only a salted scrypt hash; the secret is returned once, here. */
  create(name: string, scopes: string[], expiresAt: string | null): Promise<{key: ApiKey; secret: string}>
  verify(secret: string): Promise<ApiKey | undefined>
  list(): Promise<ApiKey[]>
  revoke(keyId: string): Promise<void>
}

/** One change recorded for later review: deletions of files, tables, saved searches. */
export interface AuditEntry {
  at: string
  /** The command that made it: `files delete`, `catalog unregister`, `search delete`. */
  action: string
  /** What it changed: file ids, a table, a name. */
  subject: string
  detail: Record<string, unknown>
  /** The operating-system user and host it came from. */
  user: string
  host: string
}

/** An append-only record of changes that remove things, newest first when listed. */
export interface AuditLog {
  record(action: string, subject: string, detail?: Record<string, unknown>): Promise<AuditEntry>
  list(options?: {limit?: number; since?: string}): Promise<AuditEntry[]>
}

/** What a backend can do; commands check these instead of guessing from the backend's name. */
export interface BackendCapabilities {
  /** Where bytes live, for messages: a folder or an s3:// URL. */
  location: string
  encryptionAtRest: 'none' | 'sse-kms'
  /** Whether queries can read a table at an older version (Athena reads Delta tables at their latest version only). */
  timeTravel: boolean
  /** The formats `query --out` writes (Athena UNLOAD has no JSON-array format). */
  exportFormats: ExportFormat[]
  /** How search ranks free words: bm25 (SQLite FTS5, OpenSearch), or PostgreSQL's ts_rank. */
  searchRanking: 'bm25' | 'ts_rank'
}

/** Who a policy is for: readers list, read and query; writers also ingest, convert and label; admins also maintain tables. */
export type AccessRole = 'reader' | 'writer' | 'admin'

/** One check of `labmesh doctor`: ok, or a warning or failure with the fix. */
export interface HealthCheck {
  name: string
  status: 'ok' | 'warn' | 'fail'
  detail: string
  fix?: string
}

/** The catalog and the storage of its tables: what reading and writing the lake needs. */
export type Lake = Pick<Backend, 'catalog' | 'lakeStorage'>

/** A Redshift warehouse reached through the Data API: a serverless workgroup or a provisioned cluster. */
export interface RedshiftTarget {
  workgroup?: string
  cluster?: string
  database: string
  /** Temporary credentials for this database user (clusters); else the caller's IAM identity. */
  dbUser?: string
  /** Or a Secrets Manager secret with the user's name and password. */
  secretArn?: string
}

/**
 * What `catalog connect` needs from a backend whose tables a warehouse can read in place (AWS):
 * tables registered over their symlink manifests, and SQL run in Redshift.
 */
export interface WarehouseAccess {
  /** The Glue database holding the manifest tables of labmesh database `database`. */
  manifestDatabase(database: string): string
  /**
   * Registers (or updates) the table in that database over `<location>/_symlink_format_manifest/`,
   * with a partition for each of `partitions` (the partition values of the table's manifests).
   */
  registerManifestTable(entry: CatalogEntry, schema: TableSchema, partitions: Array<Record<string, string | null>>): Promise<void>
  /** Runs one SQL statement in Redshift and waits for it. */
  runRedshift(target: RedshiftTarget, sql: string): Promise<{statementId: string}>
  /** A secret's string from the account's secret store (a warehouse's private key). */
  readSecret(secretId: string): Promise<string>
}

export interface Backend {
  readonly name: 'local' | 'aws'
  readonly capabilities: BackendCapabilities
  readonly objects: ObjectStore
  readonly metadata: MetadataStore
  readonly catalog: Catalog
  readonly audit: AuditLog
  /** A Delta table's storage by its location's URL scheme (a folder locally; s3:// on AWS); UNSUPPORTED for others. */
  lakeStorage(location: string): LakeStorage
  /** What `labmesh doctor` checks: every service the profile uses, each with its fix. */
  diagnose(): Promise<HealthCheck[]>
  /** The least-privilege policies for the profile's own resources, per role (IAM policy documents on AWS). */
  accessPolicies?(): Promise<Record<AccessRole, object>>
  readonly search?: SearchIndex
  readonly savedSearches?: SavedSearchStore
  /** SQL over the catalog's tables (the query stage). */
  readonly query?: QueryEngine
  /** Warehouses reading the lake in place (`catalog connect`); absent where none can. */
  readonly warehouse?: WarehouseAccess
  close(): Promise<void>
}
