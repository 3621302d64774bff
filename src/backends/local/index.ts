import {readdirSync, rmSync, statSync} from 'node:fs'
import path from 'node:path'

import {LabmeshError, toLabmeshError} from '../../errors.js'
import {makeFolders} from '../../files/make-folders.js'
import {localFolders, openByScheme} from '../../lake/storage-by-scheme.js'
import type {Backend, Lake} from '../types.js'
import {createSqliteAuditLog} from './audit-log.js'
import {createLocalCatalog} from './catalog.js'
import {openDatabase} from './database.js'
import {diagnoseWorkspace} from './diagnose.js'
import {createSqliteEventStore} from './event-store.js'
import {createSqliteKeyStore} from './key-store.js'
import {createSqliteGrantStore} from './grant-store.js'
import {createRecordReader, createSqliteMetadataStore} from './metadata-store.js'
import {createSqliteMonitoredPaths} from './monitored-paths.js'
import {createLocalObjectStore} from './object-store.js'
import {createDuckDbQueryEngine} from './query-engine.js'
import {createSqliteSavedSearches} from './saved-searches.js'
import {createSqliteRunLog} from './run-log.js'
import {createFts5SearchIndex} from './search-index.js'
import {createSearchWriter} from './search-writer.js'
import {createLocalWebhookSecretVault} from './webhook-secret-vault.js'

export interface LocalBackendOptions {
  /** The workspace folder; created on first use. */
  home: string
}

/** Where each part of the local workspace lives (README: "The local workspace"). */
export function workspaceLayout(home: string) {
  return {
    home,
    database: path.join(home, 'labmesh.db'),
    objects: path.join(home, 'objects'),
    temp: path.join(home, 'tmp'),
    lake: path.join(home, 'lake'),
    /** Seals webhook signing secrets (0600; webhook-secret-vault.ts): back it up with the database. */
    webhookSecretKey: path.join(home, 'webhook-secrets.key'),
  }
}

/** The embedded backend: files, SQLite and (for tables and queries) DuckDB, in one folder. */
export function createLocalBackend(options: LocalBackendOptions): Backend {
  const layout = workspaceLayout(path.resolve(options.home))
  try {
    for (const dir of [layout.home, layout.objects, layout.temp, layout.lake]) makeFolders(dir)
  } catch (error) {
    const reason = toLabmeshError(error)
    throw new LabmeshError(reason.code, `the workspace ${layout.home} cannot be used: ${reason.message}`, {
      subject: layout.home,
      cause: error,
      suggestions: ["point LABMESH_HOME (or the profile's home) at a folder you can write to"],
    })
  }
  sweepStaleTemp(layout.temp)
  const db = openDatabase(layout.database)
  const searchWriter = createSearchWriter(db)
  const catalog = createLocalCatalog(db, layout)
  const lake: Lake = {catalog, lakeStorage: (location) => openByScheme(location, localFolders, 'local')}
  const grants = createSqliteGrantStore(db)
  const duckdb = createDuckDbQueryEngine({lake, grants, lakeRoot: layout.lake, tempDir: path.join(layout.temp, 'duckdb')})
  return {
    name: 'local',
    capabilities: {
      location: layout.home,
      localState: [{path: layout.home, what: 'the workspace'}],
      encryptionAtRest: 'none',
      timeTravel: true,
      exportFormats: ['csv', 'tsv', 'json', 'jsonl', 'parquet'],
      searchRanking: 'bm25',
      queryAsPrincipal: true,
    },
    objects: createLocalObjectStore({root: layout.objects, tempDir: layout.temp}),
    metadata: createSqliteMetadataStore(db, searchWriter),
    ...lake,
    audit: createSqliteAuditLog(db),
    diagnose: async () => diagnoseWorkspace(layout, db),
    search: createFts5SearchIndex(db, createRecordReader(db), searchWriter),
    savedSearches: createSqliteSavedSearches(db),
    keys: createSqliteKeyStore(db),
    events: createSqliteEventStore(db, createLocalWebhookSecretVault(layout.webhookSecretKey)),
    runs: createSqliteRunLog(db),
    query: duckdb,
    queryEngines: {duckdb},
    grants,
    monitoredPaths: createSqliteMonitoredPaths(db),
    async close() {
      if (db.open) db.close()
    },
  }
}

/** Temp files older than a day are leftovers of crashed writers; newer ones may belong to a running one. */
function sweepStaleTemp(dir: string): void {
  const cutoff = Date.now() - 24 * 3600 * 1000
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name)
    try {
      if (statSync(full).mtimeMs < cutoff) rmSync(full, {force: true, recursive: true})
    } catch {
      // Another process removed it first.
    }
  }
}
