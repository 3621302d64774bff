/** One stored object of a table: its path relative to the table root, size in bytes and mtime in ms. */
export interface StoredObject {
  path: string
  size: number
  mtime: number
}

/**
 * Where a Delta table's files live, split as delta-rs splits it: plain object I/O, the log store
 * that makes commits atomic, and the access the engine (DuckDB, which reads and writes local files
 * only) needs. Paths are relative to the table root, `/`-separated, never URL-encoded and never
 * escaping the root. Storage is picked by the location's URL scheme (src/lake/storage-by-scheme.ts).
 */
export interface LakeStorage {
  /** The table's location for messages and catalogs: a directory or an s3:// URL. */
  readonly location: string
  readonly objects: TableObjects
  readonly log: LogStore
  readonly engine: EngineAccess
}

/** Object I/O under the table root. */
export interface TableObjects {
  /** The object's bytes; NOT_FOUND when absent. */
  get(path: string): Promise<Buffer>

  /** The object's size and mtime, or undefined when absent. */
  head(path: string): Promise<StoredObject | undefined>

  /** Creates or replaces the object atomically (readers never see a partial object). */
  put(path: string, bytes: Buffer | string): Promise<void>

  /**
   * Every object whose path starts with `prefix` ('' for all), in path order, a page at a time;
   * with `startAfter`, only paths after it (S3's ListObjectsV2 StartAfter), so a reader can skip
   * the log before a checkpoint.
   */
  list(prefix: string, startAfter?: string): AsyncIterable<StoredObject>

  /** Deletes the objects; absent ones are not an error. */
  deleteMany(paths: string[]): Promise<void>

  /** Deletes the whole table: every object under its root, and the root folder where there is one. */
  deleteAll(): Promise<void>
}

/**
 * The commit rule. Its one promise: a commit file appears whole, once. Locally a link() of a
 * complete temp file; on S3 a PutObject with `If-None-Match: *`.
 */
export interface LogStore {
  /**
   * Creates the file only if nothing is at `path`: readers see all of it or none of it, and of
   * concurrent callers exactly one succeeds; the others get CONFLICT. Any other error is
   * ambiguous (a timeout after the request was sent may have landed it): the caller re-reads
   * `path` to find out, which is why commits carry a txnId.
   */
  putIfAbsent(path: string, bytes: Buffer | string): Promise<void>
}

/** Local files for the engine: DuckDB reads Parquet from, and writes Parquet to, the local disk. */
export interface EngineAccess {
  /**
   * The local folder every `localPath` of this table lies in (the table's folder; on S3 the table's
   * folder in the cache): what a query session held to some tables may read of the disk.
   */
  readonly localFolder: string

  /** A local file holding the object's bytes (on S3 a cached download: use it for immutable files only). */
  localPath(path: string): Promise<string>

  /** A local file for the engine to write the object `path` into; nothing is stored until `publish`. */
  stage(path: string): Promise<StagedFile>
}

export interface StagedFile {
  /** Where the engine writes. */
  readonly localPath: string
  /** Stores what was written as the object, and describes it. */
  publish(): Promise<StoredObject>
  /** Drops the staged file (the write failed): nothing is left behind. */
  abort(): Promise<void>
}

/** Every object of a listing, in an array (listings of one folder, or of a table for vacuum). */
export async function listAll(objects: TableObjects, prefix: string, startAfter?: string): Promise<StoredObject[]> {
  const found: StoredObject[] = []
  for await (const object of objects.list(prefix, startAfter)) found.push(object)
  return found
}
