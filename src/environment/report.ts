import os from 'node:os'

import {duckdbVersion} from '../backends/local/query-engine.js'
import type {ResolvedProfile} from '../config/profiles.js'
import {LABMESH_VERSION} from '../version.js'

/** What a bug report needs to know about where labmesh runs (`labmesh version`, `labmesh doctor`). */
export interface EnvironmentReport {
  labmesh: string
  node: string
  /** `linux-x64`, `darwin-arm64`, `win32-x64`. */
  platform: string
  /** The operating system's name and release. */
  os: string
  /** The profile in use and its backend; null when it cannot be resolved (the reason is in `profileError`). */
  profile: {name: string; source: ResolvedProfile['source']; backend: string; workspace?: string; configFile: string} | null
  profileError?: string
  duckdb: string
  sqlite: string
}

/** Reads versions without opening a workspace, so it answers even when the profile or the workspace is broken. */
export async function environmentReport(resolveProfile: () => ResolvedProfile): Promise<EnvironmentReport> {
  let profile: EnvironmentReport['profile'] = null
  let profileError: string | undefined
  try {
    const resolved = resolveProfile()
    profile = {
      name: resolved.name,
      source: resolved.source,
      backend: resolved.settings.backend,
      ...(resolved.home ? {workspace: resolved.home} : {}),
      configFile: resolved.configFile,
    }
  } catch (error) {
    profileError = (error as Error).message
  }
  return {
    labmesh: LABMESH_VERSION,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    os: `${os.type()} ${os.release()}`,
    profile,
    ...(profileError ? {profileError} : {}),
    duckdb: duckdbVersion(),
    sqlite: await sqliteVersion(),
  }
}

/** The report as the label and value rows a terminal shows. */
export function environmentRows(report: EnvironmentReport): [string, string][] {
  const {profile} = report
  return [
    ['labmesh', report.labmesh],
    ['Node.js', report.node],
    ['platform', `${report.platform} (${report.os})`],
    ['profile', profile ? `${profile.name} (${profile.source})` : 'none'],
    ...(profile ? [['backend', profile.backend] as [string, string]] : []),
    ...(profile?.workspace ? [['workspace', profile.workspace] as [string, string]] : []),
    ['DuckDB', report.duckdb],
    ['SQLite', report.sqlite],
  ]
}

/** The SQLite library better-sqlite3 was built with, which is the one every workspace uses. */
async function sqliteVersion(): Promise<string> {
  const {default: Database} = await import('better-sqlite3')
  const db = new Database(':memory:')
  try {
    return (db.prepare('SELECT sqlite_version() AS version').get() as {version: string}).version
  } finally {
    db.close()
  }
}
