import os from 'node:os'

import type {AuditContext} from '../backends/types.js'

/**
 * Who is changing grants, for the audit trail: LABMESH_ACTOR when set (a CI job names itself,
 * say with its pipeline's user), else the operating system's user at this host.
 */
export function auditContext(argv: string[]): AuditContext {
  return {
    actor: process.env.LABMESH_ACTOR?.trim() || `${osUser()}@${os.hostname()}`,
    commandLine: ['labmesh', ...argv].map(shellWord).join(' '),
  }
}

function osUser(): string {
  try {
    return os.userInfo().username
  } catch {
    // No passwd entry for this uid (containers).
    return process.env.USER ?? `uid-${process.getuid?.() ?? 'unknown'}`
  }
}

/** A word as a POSIX shell would need it quoted, so the recorded command line can be run again. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}
