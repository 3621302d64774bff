import {appendFileSync, mkdirSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import type {AuditLogEntry} from '../backends/types.js'
import {configDir} from './profiles.js'

/** The operating-system user and host a change is made from. */
export function whoAndWhere(): {user: string; host: string} {
  let user: string
  try {
    user = os.userInfo().username
  } catch {
    user = process.env.USER ?? 'unknown'
  }
  return {user, host: os.hostname()}
}

/**
 * Records a change to the config file (a profile removed) in `audit.jsonl` beside it, one JSON
 * entry per line: the config belongs to no workspace, so its changes are audited where it lives.
 */
export function recordConfigChange(action: string, subject: string, detail: Record<string, unknown>): AuditLogEntry {
  const entry: AuditLogEntry = {at: new Date().toISOString(), action, subject, detail, ...whoAndWhere()}
  mkdirSync(configDir(), {recursive: true})
  appendFileSync(path.join(configDir(), 'audit.jsonl'), JSON.stringify(entry) + '\n', {mode: 0o600})
  return entry
}
