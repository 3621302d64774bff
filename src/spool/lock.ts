import {hostname} from 'node:os'
import {open, readFile, rm, stat, utimes} from 'node:fs/promises'
import path from 'node:path'

import {LabmeshError} from '../errors.js'

/** The holder refreshes its lock's time this often; a lock not refreshed for `STALE_MS` was left behind. */
const REFRESH_MS = 10_000
const STALE_MS = 60_000

interface Owner {
  pid: number
  host: string
  since: string
}

/**
 * Takes a folder's lock (`<dir>/lock`, created exclusively, naming its process and host) and
 * returns what gives it back. A lock left by a process that died is taken over: at once on the
 * same host (its process is gone), after a minute without refresh elsewhere (a spool carried on
 * a disk). CONFLICT while a live process holds it.
 */
export async function lockFolder(dir: string, what: string): Promise<() => Promise<void>> {
  const file = path.join(dir, 'lock')
  const owner: Owner = {pid: process.pid, host: hostname(), since: new Date().toISOString()}
  for (let attempt = 0; ; attempt++) {
    const created = await open(file, 'wx').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return undefined
      throw error
    })
    if (created) {
      try {
        await created.writeFile(JSON.stringify(owner))
      } finally {
        await created.close()
      }
      break
    }
    const held = await readOwner(file)
    if (attempt > 0 || !(await leftBehind(file, held))) {
      const by = held ? ` (process ${held.pid} on ${held.host}, since ${held.since})` : ''
      throw new LabmeshError('CONFLICT', `the ${what} ${dir} is in use by another labmesh process${by}`, {
        subject: dir,
        suggestions: [
          'wait for it to finish, or stop the watcher that uses it (a watcher sends its spool up itself)',
          `a lock left by a process that died is taken over at once on the same machine, after ${STALE_MS / 1000} s from another`,
        ],
      })
    }
    await rm(file, {force: true})
  }
  const refresh = setInterval(() => {
    const now = new Date()
    void utimes(file, now, now).catch(() => undefined)
  }, REFRESH_MS)
  refresh.unref()
  return async () => {
    clearInterval(refresh)
    const held = await readOwner(file)
    if (held?.pid === owner.pid && held.host === owner.host && held.since === owner.since) await rm(file, {force: true})
  }
}

async function readOwner(file: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Owner
  } catch {
    // Being written by its holder this very moment, or damaged: its age decides.
    return undefined
  }
}

async function leftBehind(file: string, held: Owner | undefined): Promise<boolean> {
  const info = await stat(file).catch(() => undefined)
  if (!info) return true
  if (Date.now() - info.mtimeMs > STALE_MS) return true
  return held?.host === hostname() && !alive(held.pid)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, run by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
