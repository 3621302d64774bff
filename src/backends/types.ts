import type {Readable} from 'node:stream'

import type {LabmeshError} from '../errors.js'
import type {StructField} from '../lake/delta/schema.js'
import type {LakeStorage} from '../lake/delta/storage.js'
import type {SearchNode} from '../search/ast.js'
import type {Grant} from '../sharing/grant.js'
import type {Tag} from '../sharing/tags.js'

/**
 * The parts every backend provides. The local backend implements them with files, SQLite and
 * DuckDB; the AWS backend with S3 (SSE-KMS), Glue, Athena, Lake Formation and OpenSearch.
 * Commands only see these interfaces.
 */

export const CATEGORIES = ['RAW', 'ENGINEERED'] as const
export type Category = (typeof CATEGORIES)[number]
/** `converting`: a convert run holds the file (MetadataStore.claimFiles) until it sets another status or its lease ends. */
export const STAGE_STATUSES = ['ingested', 'converting', 'converted', 'failed'] as const
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

/** Bytes `start` to `end` of an object, both included (as in HTTP's Range). */
export interface ByteRange {
  start: number
  end: number
}

export interface PutOptions {
  /** Where the object belongs (S3: the raw/ or engineered/ prefix); default RAW. */
  category?: Category
  /** Called with each chunk's byte count as the object streams in. */
  onBytes?: (bytes: number) => void
}

/** An object written but not yet durable under its name: `ObjectStore.publish` makes it so. */
export interface StagedObject extends StoredObject {
  /** The store's own note of where the bytes wait (a temp file locally); absent when nothing waits. */
  readonly pending?: string
}

/**
 * Content-addressed bytes: raw files and engineered documents, keyed by sha256 (and kept apart by
 * category where the backend has prefixes). Identical bytes are stored once: storing them again
 * is not an error, it says `created: false`. Nothing is ever left half-written under its name.
 */
export interface ObjectStore {
  /** Streams a file in, hashing as it goes; the name is the hash of the bytes stored, even if the source changes meanwhile. stageFile + publish. */
  putFile(sourcePath: string, options?: PutOptions): Promise<StoredObject>
  /** stageBytes + publish. */
  putBytes(bytes: Buffer, options?: Pick<PutOptions, 'category'>): Promise<StoredObject>
  /**
   * Group commit: stage many objects, then publish them together, so that their durability costs
   * one wait for the batch, not one per object. A record may point at an object once it is published.
   */
  stageFile(sourcePath: string, options?: PutOptions): Promise<StagedObject>
  stageBytes(bytes: Buffer, options?: Pick<PutOptions, 'category'>): Promise<StagedObject>
  /** Makes staged objects durable and readable under their names (each at most once). */
  publish(objects: StagedObject[]): Promise<void>
  has(sha256: string, category?: Category): Promise<boolean>
  /**
   * The object's bytes as a stream (only bytes `start` to `end` inclusive with a range); NOT_FOUND
   * when absent. Callers reading it whole verify the sha256 as they read.
   */
  openRead(sha256: string, category?: Category, range?: ByteRange): Promise<Readable>
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
 * Consumers that replicate file records elsewhere: the lake's `lab.files` table (every backend,
 * changes queued under the raw file's id) and the OpenSearch index (aws, each file under its own id).
 * The metadata store queues a change for each of them in the same transaction as the record it
 * describes (an outbox), so a crash between the record and the replica loses nothing: the next
 * run catches up.
 */
export type ChangeConsumer = 'lake' | 'search'

/** Stored bytes no record uses any more, waiting to be removed (files delete). */
export interface UnusedObject {
  sha256: string
  category: Category
}

export interface RecordOptions {
  /** `removalMark()` as read before the records' bytes were staged: records whose bytes went since are refused. */
  removalMark?: number
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
  /**
   * Stores many records in one transaction per call; an error per record that was not stored
   * (CONFLICT as above), the others stored. With `removalMark` (see `removalMark`), a record whose
   * bytes a delete is removing, or removed after the mark, is not stored: its error is a
   * `BytesRemovedConflict`, and the caller stages the bytes again under a new mark.
   */
  insertFiles(records: NewFileRecord[], options?: RecordOptions): Promise<(LabmeshError | undefined)[]>
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
  /** Sets a stage status (ending any claim on the file). */
  setStatus(fileId: string, status: StageStatus, error?: StageError | null): Promise<void>
  /**
   * Deletes records with their labels and search entries, all or none (derived records must be
   * in the list with their raw file), queueing each one's change. A source whose current version
   * goes gets its newest remaining one back. Returns the objects no record uses any more: queued
   * with the deletion, including any a crashed earlier deletion left: each is claimed with
   * `claimObjectRemoval`, its bytes removed, then `dequeueUnusedObject`.
   */
  deleteFiles(fileIds: string[]): Promise<{unusedObjects: UnusedObject[]}>
  /**
   * Claims a queued object's removal for `leaseMs`: true when it is queued, no record uses its
   * bytes (any record with its sha256, whatever the category) and no live claim holds it; its
   * bytes may then be removed. One a record uses again leaves the queue. The object stays queued,
   * so a run that stops before its bytes are gone leaves it for the next. While claimed, records
   * with its bytes are refused (`insertFiles` with a removal mark), so none can point at bytes
   * about to go.
   */
  claimObjectRemoval(object: UnusedObject, leaseMs: number): Promise<boolean>
  /**
   * Takes an object off the queue once its bytes are gone, and notes the removal past every mark
   * read so far: true when this call did (not another deletion).
   */
  dequeueUnusedObject(object: UnusedObject): Promise<boolean>
  /**
   * Where the log of removed objects stands. A writer reads it before it stages bytes and passes it
   * with the records that point at them: a record whose bytes were removed after the mark (or are
   * being removed) is refused instead of pointing at nothing. Claims whose lease lapsed (their
   * delete stopped) count as removals from here on, so they hold no writer up for ever.
   */
  removalMark(): Promise<number>
  /**
   * Claims raw files for one convert run, atomically per file: each whose status is one of
   * `from` becomes `converting`, held by `owner` until `expiresAt`. Returns the ids claimed; a
   * file another run holds, or whose status changed, is not.
   */
  claimFiles(fileIds: string[], claim: {owner: string; expiresAt: string; from: StageStatus[]}): Promise<string[]>
  /** Extends the lease of every file `owner` holds. */
  renewClaims(owner: string, expiresAt: string): Promise<void>
  /** The owners holding files now. */
  claimOwners(): Promise<string[]>
  /** Failed raw files go back to `ingested`, their error cleared, to be converted again; returns how many. */
  requeueFailed(): Promise<number>
  /** Files held by any of `owners`, or by a claim that ended before `expiredBefore`, go back to `ingested`; returns how many. */
  releaseClaims(release: {owners: string[]; expiredBefore?: string}): Promise<number>
  /**
   * Records a batch of conversions in one transaction where the backend has them: each engineered
   * record is stored and its raw file marked converted; a record that cannot be stored marks its
   * raw file failed instead, with the error returned in its place.
   */
  recordConversions(
    conversions: {rawFileId: string; engineered: NewFileRecord}[],
    options?: RecordOptions,
  ): Promise<(LabmeshError | undefined)[]>
  /** Changes to replicate, queued with the records. */
  readonly changes: ChangeFeed
}

/*
 * The later stages' parts, declared now so that every backend shapes itself around them:
 * Catalog (local catalog / Glue), QueryEngine (DuckDB / Athena), SearchIndex (FTS5 /
 * OpenSearch or PostgreSQL full-text search), KeyStore and EventStore (SQLite / PostgreSQL). Each backend implements them as the
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
  /**
   * Only these tables exist for the statement (`db.table` or `db.*`; an API key's tables), and
   * no other table's files can be read. Absent: every table of the catalog. An engine that cannot
   * hold a statement to them must refuse the request (UNSUPPORTED), never run it over every table.
   */
  tables?: string[]
  /**
   * Run as this principal: the statement sees only what the principal's grants allow (tables
   * without a grant do not exist, restricted ones show their granted columns and rows). Without
   * it, the workspace owner sees everything. An engine that cannot enforce grants itself must
   * refuse a request that names a principal (UNSUPPORTED), never run it as the owner.
   */
  principal?: string
  /** Aborting cancels the running statement. */
  signal?: AbortSignal
  /** Called every few hundred milliseconds while the statement runs. */
  onProgress?(progress: QueryProgress): void
  /** Engines that bill by bytes scanned (Athena) refuse or stop a statement that would scan more; others ignore it. */
  maxScanBytes?: number
}

export interface QueryProgress {
  /** 0-100, when the engine can tell. */
  percent?: number
  /** Rows the engine has read from the tables so far, when it can tell. */
  rowsRead?: number
  /** The statement's state where the engine reports one (Athena: QUEUED, RUNNING). */
  state?: string
  /** Bytes scanned so far, where the engine bills by them. */
  bytesScanned?: number
}

/** What a remote engine tells about a finished statement; recorded with results and data packages. */
export interface QueryStatistics {
  /** Athena's QueryExecutionId. */
  executionId: string
  bytesScanned: number
  /** USD: bytes scanned (at least 10 MB, Athena's minimum) at the profile's price per TB. */
  costEstimateUsd: number
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
  /** Set by engines that report them (Athena). */
  readonly statistics?: QueryStatistics
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
  export(request: QueryRequest, target: ExportTarget): Promise<{columns: QueryColumn[]; rows: number; statistics?: QueryStatistics}>
}

/** The engines `query --engine` names: DuckDB (local, or over the lake's snapshots fetched from S3) and Athena. */
export const QUERY_ENGINES = ['duckdb', 'athena'] as const
export type QueryEngineName = (typeof QUERY_ENGINES)[number]

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
  /**
   * Only hits after this one in the order asked (OpenSearch's search_after): the `next` of the
   * page before. Paging with it keeps its place while files are added, changed or removed, where
   * an offset would skip or repeat hits.
   */
  after?: SearchCursor
}

/**
 * Where a hit sits in its order: ranked by score (best first), then newest `time` first, then
 * by source path, newest version, RAW before ENGINEERED, and the file id, which makes it unique.
 * `score` is set for ranked pages only, unrounded (SearchHit.score is rounded for display).
 */
export interface SearchCursor extends Pick<FileRecord, 'sourcePath' | 'version' | 'category' | 'fileId'> {
  score?: number
  /** The entry's time: the `time` metadata, else the file's modification time (epoch ms). */
  time: number
}

/** A page of hits: `total` counts every hit, `next` is where the following page starts (null after the last). */
export interface SearchPage {
  total: number
  hits: SearchHit[]
  next: SearchCursor | null
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
 * same transaction (SQLite locally, PostgreSQL on aws); `rebuild` recreates them all from the records.
 */
export interface SearchIndex {
  /** A page of hits and the total; a null query matches every file in scope. */
  search(query: SearchNode | null, options?: SearchOptions): Promise<SearchPage>
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
  /**
   * An index kept beside the records (OpenSearch) applies the record changes queued in the
   * outbox since its last run; indexes written in the records' transactions have none.
   */
  sync?(): Promise<SearchSync>
  /** A raw OpenSearch query DSL body, run read-only on labmesh's index (`search --dsl`); absent elsewhere. */
  searchDsl?(body: Record<string, unknown>): Promise<{total: number; hits: SearchHit[]; aggregations?: unknown}>
}

export interface SearchSync {
  /** Files written to (or removed from) the index. */
  indexed: number
  /** Files the index refused for good (they stay out until `search reindex` after the cause is fixed). */
  rejected: {fileId: string; reason: string}[]
  /** Files still throttled after every retry: left queued for the next run. */
  deferred: number
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

/** A folder ingested by itself (`labmesh paths add`, then `labmesh watch`): what to pick up there and what to do with it. */
export interface MonitoredPath {
  name: string
  /** The folder, absolute, on `host`. */
  root: string
  /** The machine whose folder it is: a path names a place on one machine. */
  host: string
  /** Path template applied to paths relative to `root`. */
  template: string | null
  include: string[]
  exclude: string[]
  labels: Label[]
  metadata: Record<string, string>
  /** A file is taken once its size and modification time have not changed for this long. */
  stableSeconds: number
  /** Files last modified before this time (ISO 8601) are left alone. */
  since: string | null
  /** Convert (and so index and tabulate) each file once ingested. */
  convert: boolean
  /** Move files here (keeping their relative path) `archiveAfterMs` after they were ingested. */
  archiveTo: string | null
  archiveAfterMs: number | null
  createdAt: string
}

/**
 * Where a watched file stands: pending (seen, waiting to be stable or for its next attempt),
 * spooled (kept in the local spool while the service cannot be reached), ingested, converted, failed (attempts used up, or its conversion failed), archived.
 */
export type WatchedFileState = 'pending' | 'spooled' | 'ingested' | 'converted' | 'failed' | 'archived'

/** The watch state of one file of a monitored path, kept in the backend's database so a restart resumes it. */
export interface WatchedFile {
  pathName: string
  /** Relative to the monitored path's root, with `/` separators. */
  relativePath: string
  /** The size and modification time the state is about; a file that changes starts over. */
  size: number
  mtimeMs: number
  state: WatchedFileState
  /** Failed attempts at ingesting this content. */
  attempts: number
  /** When a pending file that failed is tried again (ISO 8601). */
  retryAt: string | null
  fileId: string | null
  ingestedAt: string | null
  error: StageError | null
  updatedAt: string
}

/** What `labmesh watch status` shows for one monitored path. */
export interface WatchPathStatus {
  name: string
  root: string
  seen: number
  pending: number
  /** Kept in the local spool, waiting for the service (aws profiles). */
  spooled: number
  ingested: number
  converted: number
  failed: number
  archived: number
  /** When the watcher last walked the whole folder (ISO 8601), null before its first scan. */
  lastScanAt: string | null
  lastError: {relativePath: string; code: string; message: string; at: string} | null
}

/** Monitored paths and their watch state (SQLite locally, PostgreSQL on AWS). */
export interface MonitoredPathStore {
  /** CONFLICT when the name is taken. */
  add(path: Omit<MonitoredPath, 'createdAt'>): Promise<MonitoredPath>
  get(name: string): Promise<MonitoredPath | undefined>
  list(): Promise<MonitoredPath[]>
  /** Removes a path and its watch state; false when there was none. */
  remove(name: string): Promise<boolean>
  /** The watch state of every file of a path. */
  files(pathName: string): Promise<WatchedFile[]>
  /** Writes these files' states (inserted or replaced) in one transaction. */
  saveFiles(files: WatchedFile[]): Promise<void>
  /** Forgets files that are gone from the folder. */
  forgetFiles(pathName: string, relativePaths: string[]): Promise<void>
  markScanned(pathName: string, at: string): Promise<void>
  /** Per path, the counts of its files by state and its latest error. */
  status(): Promise<WatchPathStatus[]>
}

/** What an API key may do (`keys create --scope`): each route of `labmesh serve` needs one. */
export const API_SCOPES = ['files:read', 'files:write', 'search', 'query', 'admin'] as const
export type ApiScope = (typeof API_SCOPES)[number]

/** An API key as `keys list` shows it: never its secret, nor the secret's hash. */
/** Who made a change, and the command line that made it: recorded with every change to grants and tags. */
export interface AuditContext {
  /** `user@host` locally; an API key's principal when the change comes through the API. */
  actor: string
  commandLine: string
}

export type GrantAction = 'grant' | 'revoke'

export interface GrantChange {
  action: GrantAction
  grant: Grant
}

export interface GrantChangeOutcome extends GrantChange {
  /** Why this change failed; the other changes still went ahead. */
  error?: {code: string; message: string}
  /** What else someone has to do (a cross-account grant: the receiving account's steps). */
  notes?: string[]
}

export interface GrantApplyOptions {
  /** Also share into this Region, through resource links there (AWS); UNSUPPORTED where the backend has no Regions. */
  targetRegion?: string
}

/** A database (`table` absent) or a table. */
export interface TaggedResource {
  database: string
  table?: string
}

export interface AuditEntry {
  at: string
  actor: string
  action: GrantAction | 'tag' | 'untag'
  /** The grant given or taken (grant, revoke). */
  grant?: Grant
  /** The resource tagged and the tags set or removed (tag, untag). */
  resource?: TaggedResource
  tags?: Tag[]
  commandLine: string
}

/**
 * Who may read what (catalog share): grants of principals on databases, tables, columns and
 * rows, tags on databases and tables, and the audit trail of every change. Locally grants live
 * in the workspace database and `query --as` enforces them; on AWS they are Lake Formation's.
 */
export interface GrantStore {
  /** The grants as they stand, of one principal or of all. */
  list(filter?: {principal?: string}): Promise<Grant[]>
  /**
   * Revokes, then grants, each change on its own: the outcome of every change, a failed one
   * not stopping the rest. Each change made is audited with `audit`.
   */
  apply(changes: GrantChange[], audit: AuditContext, options?: GrantApplyOptions): Promise<GrantChangeOutcome[]>
  /** Changes to grants and tags, newest first. */
  history(filter?: {principal?: string; limit?: number}): Promise<AuditEntry[]>
  /** Every tagged database and table with its tags. */
  listTags(): Promise<{resource: TaggedResource; tags: Tag[]}[]>
  /** Sets tags (one value per key) and removes keys on a resource, returning its tags as they now are. */
  tag(resource: TaggedResource, set: Tag[], remove: string[], audit: AuditContext): Promise<Tag[]>
}

export interface ApiKey {
  /** The public part of the key (`lmk_<keyId>_<secret>`); as a principal of `catalog share`, `key:<keyId>`. */
  keyId: string
  name: string
  scopes: ApiScope[]
  /** The tables `/v1/query` may read (`db.table` or `db.*`); empty: none. */
  tables: string[]
  createdAt: string
  expiresAt: string | null
  lastUsedAt: string | null
  revokedAt: string | null
  rotatedAt: string | null
  /** Until when the secret replaced by the last rotation still works. */
  previousValidUntil: string | null
}

/** A key with the salted hashes of its secrets (src/keys/secret.ts), as the store keeps it. */
export interface StoredApiKey extends ApiKey {
  secretHash: string
  /** The hash of the secret before the last rotation, valid until previousValidUntil. */
  previousHash: string | null
}

/**
 * API keys (SQLite locally, PostgreSQL on AWS). The store keeps hashes only: secrets are made,
 * shown and checked by src/keys, and never reach it.
 */
export interface KeyStore {
  /** CONFLICT when the id is taken. */
  insert(key: StoredApiKey): Promise<void>
  get(keyId: string): Promise<StoredApiKey | undefined>
  /** Every key, newest first. */
  list(): Promise<ApiKey[]>
  /** Marks the key revoked (at `at`, or keeps an earlier revocation); NOT_FOUND when absent. */
  revoke(keyId: string, at: string): Promise<ApiKey>
  /** Replaces the secret's hash; the old one stays valid until `previousValidUntil`. NOT_FOUND when absent. */
  rotate(keyId: string, secretHash: string, previousValidUntil: string, at: string): Promise<ApiKey>
  /** Records that the key was used. */
  touch(keyId: string, at: string): Promise<void>
}

/**
 * Where webhook signing secrets live. A secret must be recovered to sign, so it cannot be hashed;
 * the webhook's row keeps only what `seal` returns: locally a ciphertext under a key file kept
 * beside the database (local/webhook-secret-vault.ts), on AWS a Secrets Manager ARN.
 */
export interface WebhookSecretVault {
  /**
   * Keeps `secret` for the webhook; returns the reference its row stores (never the secret). A
   * `rotation` keeps it beside the webhook's current secret, which stays readable until discarded.
   */
  seal(webhookId: string, secret: string, options?: {rotation?: boolean}): Promise<string>
  /** The secret behind a reference `seal` returned for this webhook. */
  open(webhookId: string, ref: string): Promise<string>
  /** Forgets the secret of a removed webhook. */
  discard(webhookId: string, ref: string): Promise<void>
}

/** The events of the lake that webhooks and `/v1/events` carry. */
export const EVENT_TYPES = ['file.ingested', 'file.converted', 'file.failed', 'file.deleted', 'table.updated'] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** One event: file events are written by the metadata store in the same transaction as the record. */
export interface LabEvent {
  /** Increasing in the order events were recorded (`Last-Event-ID` of `/v1/events`). */
  seq: number
  eventId: string
  type: EventType
  at: string
  data: Record<string, unknown>
}

export interface Webhook {
  webhookId: string
  url: string
  events: EventType[]
  /** Private, loopback and link-local targets are delivered to only when allowed when the webhook was added. */
  allowPrivate: boolean
  /** A delivery still failing this long after its event is given up and shown as failed. */
  giveUpAfterSeconds: number
  createdAt: string
  /** After `webhooks rotate`: until when deliveries are also signed with the previous secret (null when not rotating). */
  previousSecretUntil: string | null
}

/** A webhook with what signs its deliveries: its secret, and during a rotation's grace period the previous one too. */
export type SigningWebhook = Webhook & {secret: string; previousSecret?: string}

export type DeliveryState = 'pending' | 'delivered' | 'failed'

/** One event for one webhook: its id stays the same across retries (receivers drop repeats by it). */
export interface WebhookDelivery {
  deliveryId: string
  webhookId: string
  eventId: string
  type: EventType
  state: DeliveryState
  attempts: number
  /** When the event happened: the give-up age counts from here. */
  createdAt: string
  nextAttemptAt: string | null
  deliveredAt: string | null
  /** The receiver's last HTTP status, or null when it could not be reached. */
  lastStatus: number | null
  lastError: string | null
}

/** A delivery taken for sending, with what sending needs. */
export interface DueDelivery extends WebhookDelivery {
  webhook: SigningWebhook
  event: LabEvent
}

export interface DeliveryOutcome {
  state: DeliveryState
  attempts: number
  nextAttemptAt?: string
  status?: number | null
  error?: string | null
}

/**
 * The durable outbox of events and their webhook deliveries (SQLite locally, PostgreSQL on AWS).
 * File events are queued by the metadata store's triggers in the transaction that changes the
 * record, with one delivery per subscribed webhook, so a crash loses none.
 */
export interface EventStore {
  /** Records an event that no file record carries (table.updated), with its deliveries, in one transaction. */
  record(type: EventType, data: Record<string, unknown>): Promise<LabEvent>
  /** Events after `seq`, oldest first. */
  after(seq: number, limit: number): Promise<LabEvent[]>
  /** The last event's seq (0 when none): where a new `/v1/events` stream starts. */
  lastSeq(): Promise<number>
  addWebhook(webhook: Omit<Webhook, 'webhookId' | 'createdAt' | 'previousSecretUntil'> & {secret: string}): Promise<Webhook>
  listWebhooks(): Promise<Webhook[]>
  /** One webhook with its signing secrets, for sending. */
  getWebhook(webhookId: string): Promise<SigningWebhook | undefined>
  /**
   * Gives the webhook a new signing secret; the current one keeps signing deliveries beside it
   * for `graceMs` (a secret from an earlier rotation still in its grace is forgotten). NOT_FOUND when absent.
   */
  rotateWebhookSecret(webhookId: string, secret: string, graceMs: number): Promise<Webhook>
  /** Removes a webhook and its pending deliveries; NOT_FOUND when absent. */
  removeWebhook(webhookId: string): Promise<Webhook>
  /** Deliveries, newest first. */
  deliveries(filter: {state?: DeliveryState; webhookId?: string; limit: number}): Promise<WebhookDelivery[]>
  /**
   * Takes up to `limit` pending deliveries due at `now`, oldest first, for `leaseMs`: no other
   * process takes them until the lease ends (a sender that dies leaves them to the next one).
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<DueDelivery[]>
  /** Records an attempt's outcome and releases the lease. */
  finish(deliveryId: string, outcome: DeliveryOutcome): Promise<void>
  /** How many deliveries are pending (only those due by `dueBy`, when given). */
  pendingCount(dueBy?: Date): Promise<number>
  /** Deletes events older than `before` whose deliveries are all settled. */
  prune(before: Date): Promise<number>
}

/** The batch commands whose runs are kept (`labmesh status`) and published as metrics. */
export type RunCommand = 'ingest' | 'convert' | 'watch' | 'catalog apply'

/** One item a run could not handle: a file (ingest, convert) or a grant (catalog apply). */
export interface RunFailure {
  /** The file's path, or the grant it was about. */
  path: string
  stage: 'ingest' | 'convert' | 'apply'
  code: string
  message: string
}

/**
 * One run of a batch command (a window of activity, for `watch`): its counts, and its failures
 * (the first ones only: a run that fails everything must not grow without bound).
 */
export interface RunRecord {
  runId: string
  command: RunCommand
  profile: string
  startedAt: string
  endedAt: string
  durationMs: number
  /** ok; failed: some items failed and the rest went on; error: the command itself ended in an error. */
  status: 'ok' | 'failed' | 'error'
  ingested: number
  unchanged: number
  converted: number
  failed: number
  /** Grants given or taken (catalog apply). */
  applied: number
  bytesIngested: number
  bytesConverted: number
  /** Why the command ended in an error (status error). */
  error: StageError | null
  failures: RunFailure[]
}

/** The counts of one day (UTC) of runs. */
export interface RunDay {
  /** YYYY-MM-DD */
  day: string
  runs: number
  ingested: number
  converted: number
  failed: number
  applied: number
  bytesIngested: number
  bytesConverted: number
  /** Runs that ended in an error. */
  errors: number
}

/** A failure with the run it belongs to. */
export interface RunFailureEntry extends RunFailure {
  runId: string
  command: RunCommand
  at: string
}

/** The runs of batch commands (SQLite locally, PostgreSQL on AWS), for `labmesh status`; older than RUN_RETENTION_DAYS are dropped. */
export interface RunLog {
  /** Keeps a run and its failures in one transaction. */
  record(run: RunRecord): Promise<void>
  /** The latest runs, newest first, without their failures (`failures` is empty; `failed` counts them). */
  recent(limit: number): Promise<RunRecord[]>
  /** Failures of runs started at or after `since`, newest first. */
  failures(since: string, limit: number): Promise<RunFailureEntry[]>
  /** Counts per day of the runs started at or after `since`, oldest day first; days without runs are absent. */
  daily(since: string): Promise<RunDay[]>
}

/** How long runs are kept. */
export const RUN_RETENTION_DAYS = 180

/** One change recorded for later review: deletions of files, tables, saved searches. */
export interface AuditLogEntry {
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
  record(action: string, subject: string, detail?: Record<string, unknown>): Promise<AuditLogEntry>
  list(options?: {limit?: number; since?: string}): Promise<AuditLogEntry[]>
}

/** What a backend can do; commands check these instead of guessing from the backend's name. */
export interface BackendCapabilities {
  /** Where bytes live, for messages: a folder or an s3:// URL. */
  location: string
  /**
   * The folders on this machine holding the backend's own state (the local workspace; the aws
   * backend's cache of lake files, which queries read): outputs are never written into them.
   */
  localState: Array<{path: string; what: string}>
  encryptionAtRest: 'none' | 'sse-kms'
  /** Whether queries can read a table at an older version (Athena reads Delta tables at their latest version only). */
  timeTravel: boolean
  /** The formats `query --out` writes (Athena UNLOAD has no JSON-array format). */
  exportFormats: ExportFormat[]
  /** How search ranks free words: bm25 (SQLite FTS5, OpenSearch), or PostgreSQL's ts_rank. */
  searchRanking: 'bm25' | 'ts_rank'
  /**
   * Whether queries can run as another principal (`--as`, QueryRequest.principal): locally labmesh
   * builds the session from that principal's grants; Athena runs as the caller's own IAM identity.
   */
  queryAsPrincipal: boolean
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
  /** Monitored paths and the watcher's durable state. */
  readonly monitoredPaths?: MonitoredPathStore
  /** SQL over the catalog's tables (the query stage): the backend's own engine. */
  readonly query?: QueryEngine
  /** API keys of `labmesh serve`. */
  readonly keys?: KeyStore
  /** Events, webhooks and their deliveries. */
  readonly events?: EventStore
  /** The runs of batch commands (`labmesh status`). */
  readonly runs?: RunLog
  /** Grants and tags (catalog share). */
  readonly grants?: GrantStore
  /** Warehouses reading the lake in place (`catalog connect`); absent where none can. */
  readonly warehouse?: WarehouseAccess
  /** Every engine the backend can run queries on, by name (`query --engine`); the default one included. */
  readonly queryEngines?: Partial<Record<QueryEngineName, QueryEngine>>
  close(): Promise<void>
}
