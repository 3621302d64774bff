/** One thing the watcher did or saw: a JSON log line (`--log-format json`), later a webhook event. */
export interface WatchEvent {
  event:
    | 'watch.started'
    | 'watch.stopped'
    | 'watch.error'
    | 'watch.offline'
    | 'watch.online'
    | 'path.scanned'
    | 'path.missing'
    | 'path.back'
    | 'file.seen'
    | 'file.open'
    | 'file.ingested'
    | 'file.converted'
    | 'file.retry'
    | 'file.failed'
    | 'file.archived'
    | 'file.gone'
    | 'file.spooled'
    | 'spool.full'
    | 'spool.retry'
  /** The monitored path's name. */
  path?: string
  /** The file, relative to the monitored path's folder. */
  file?: string
  fileId?: string
  version?: number
  /** Bytes stored (file.ingested) or of the engineered document written (file.converted). */
  size?: number
  /** new, version or unchanged (a file stored before a restart). */
  status?: string
  files?: number
  code?: string
  message?: string
  retryAt?: string
}
