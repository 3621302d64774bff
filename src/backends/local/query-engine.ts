import {createRequire} from 'node:module'

import type {QueryEngine} from '../types.js'
import type {DuckDbQueryEngineOptions} from './query-execution.js'

export type {DuckDbQueryEngineOptions}

/**
 * The local backend's QueryEngine: DuckDB over the catalog's Delta tables (query-execution.ts).
 * DuckDB's native library takes half a second to load, so it loads on the first query, not
 * with the backend that every command opens.
 */
export function createDuckDbQueryEngine(options: DuckDbQueryEngineOptions): QueryEngine {
  const execution = () => import('./query-execution.js')
  return {
    engine: `DuckDB ${duckdbVersion()}`,
    async query(request, consume) {
      return (await execution()).runStatement(options, request, consume)
    },
    async export(request, target) {
      return (await execution()).exportStatement(options, request, target)
    },
  }
}

/** DuckDB's version from its client package, whose version is DuckDB's plus a revision (1.5.6-r.1). */
export function duckdbVersion(): string {
  const {version} = createRequire(import.meta.url)('@duckdb/node-api/package.json') as {version: string}
  return `v${version.replace(/-r\.\d+$/, '')}`
}
