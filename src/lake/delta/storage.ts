/** One stored object of a table: its path relative to the table root, size in bytes and mtime in ms. */
export interface StoredObject {
  path: string
  size: number
  mtime: number
}

/**
 * Where a Delta table's files live. Paths are relative to the table root, `/`-separated, never
 * URL-encoded and never escaping the root. Nothing here assumes a local filesystem: the local
 * implementation uses create-if-absent links, an S3 one PutObject with `If-None-Match: *`.
 * DuckDB only reads and writes local files, so `localPath` and `stageFile` give it one; a remote
 * implementation stages copies.
 */
export interface LakeStorage {
  /** The table's location for messages: a directory or a URL. */
  readonly location: string

  /**
   * Every object whose path starts with `prefix` ('' for all), sorted by path; with `startAfter`,
   * only paths after it (S3's ListObjectsV2 StartAfter), so a reader can skip the log before a checkpoint.
   */
  list(prefix: string, startAfter?: string): Promise<StoredObject[]>

  /** The object's bytes; NOT_FOUND when absent. */
  read(path: string): Promise<Buffer>

  /** The object's size and mtime, or undefined when absent. */
  stat(path: string): Promise<StoredObject | undefined>

  /**
   * Creates the object only if it does not exist, atomically: readers see all of it or none of
   * it, and of two concurrent callers exactly one succeeds. CONFLICT when it already exists.
   */
  writeIfAbsent(path: string, bytes: Buffer | string): Promise<void>

  /** Creates or replaces the object atomically (readers never see a partial object). */
  write(path: string, bytes: Buffer | string): Promise<void>

  /** Deletes the object; deleting an absent object is not an error. */
  delete(path: string): Promise<void>

  /** Deletes the whole table: every object under its root, and the root folder where there is one. */
  deleteAll(): Promise<void>

  /** A local file holding the object's bytes, for DuckDB to read. */
  localPath(path: string): Promise<string>

  /** A local file path for DuckDB to write the object to; `putStagedFile` then stores it. */
  stageFile(path: string): Promise<string>

  /** Stores what was written at `stageFile(path)` as the object `path`. */
  putStagedFile(path: string): Promise<void>
}
