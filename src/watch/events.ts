/** One thing the watcher did or saw: a JSON log line (`--log-format json`), later a webhook event. */
export interface WatchEvent {
  event:
    | 'watch.started'
    | 'watch.stopped'
    | 'watch.error'
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
  /** The monitored path's name. */
  path?: string
  /** The file, relative to the monitored path's folder. */
  file?: string
  fileId?: string
  version?: number
  /** new, version or unchanged (a file stored before a restart). */
  status?: string
  files?: number
  code?: string
  message?: string
  retryAt?: string
}
