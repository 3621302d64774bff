import {createHash, randomUUID} from 'node:crypto'
import {existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync} from 'node:fs'
import path from 'node:path'
import type {DuckDBConnection} from '@duckdb/node-api'

import {quoteLiteral} from '../../lake/duckdb.js'

/**
 * Granted copies: what a principal may read of a table, written once as Parquet and read by its
 * sessions through a view. A copy is named by the hash of the SELECT that made it, and that SELECT
 * names the snapshot's data files and the grant's columns and filters: a new table version or a
 * changed grant makes a new copy, and an unchanged one is read again without scanning the table.
 * A session may read only the copies it uses (granted-catalog.ts), so a principal's older copies,
 * and other principals', stay out of reach. Copies unused for an hour are removed.
 */
export interface GrantCopies {
  /** The folder holding the copy of `select`, made first if there is none yet. */
  copy(connection: DuckDBConnection, select: string): Promise<string>
  /** Removes this principal's copies not used for an hour (a concurrent session touched its own on use). */
  prune(): void
}

const UNUSED_MS = 60 * 60 * 1000
const FILE = 'data.parquet'

export function grantCopies(root: string, principal: string): GrantCopies {
  const folder = path.join(root, hash(principal).slice(0, 32))
  return {
    async copy(connection, select) {
      const entry = path.join(folder, hash(select))
      if (existsSync(path.join(entry, FILE))) {
        const now = new Date()
        utimesSync(entry, now, now)
        return entry
      }
      // Written aside and renamed: a copy cut short by a crash is never read, and is pruned later.
      const partial = `${entry}.partial-${randomUUID()}`
      mkdirSync(partial, {recursive: true, mode: 0o700})
      try {
        await connection.run(`COPY (${select}) TO ${quoteLiteral(path.join(partial, FILE))} (FORMAT parquet, COMPRESSION zstd)`)
        renameSync(partial, entry)
      } catch (error) {
        rmSync(partial, {recursive: true, force: true})
        // A concurrent session of the same principal made the same copy first.
        if (!existsSync(path.join(entry, FILE))) throw error
      }
      return entry
    },
    prune() {
      if (!existsSync(folder)) return
      const cutoff = Date.now() - UNUSED_MS
      for (const name of readdirSync(folder)) {
        const entry = path.join(folder, name)
        if (statSync(entry).mtimeMs < cutoff) rmSync(entry, {recursive: true, force: true})
      }
    },
  }
}

/** The SELECT reading a copy back, as the body of the session's view. */
export function copySelect(entry: string): string {
  return `SELECT * FROM read_parquet(${quoteLiteral(path.join(entry, FILE))}, hive_partitioning = false)`
}

const hash = (text: string): string => createHash('sha256').update(text).digest('hex')
