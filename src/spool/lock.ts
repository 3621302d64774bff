import {createHash, randomBytes} from 'node:crypto'
import {hostname} from 'node:os'
import {link, open, readFile, rename, rm, stat, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {LabmeshError} from '../errors.js'

/** The holder refreshes its lock's time this often; a lock not refreshed for `STALE_MS` was left behind. */
const REFRESH_MS = 10_000
const STALE_MS = 60_000
/** Looks at a lock that is released or taken over while this process tries for it, before giving up. */
const ATTEMPTS = 5

interface Owner {
  pid: number
  host: string
  since: string
  /** Tells apart two holders whose process id, host and start time are alike. */
  nonce?: string
}

export interface LockOptions {
  /**
   * Called once when a refresh finds the lock another process's (taken over while this one seemed
   * dead, e.g. suspended for over a minute): the folder must no longer be used.
   */
  onLost?(error: LabmeshError): void
  /** How often the lock's time is refreshed (and its owner checked). */
  refreshMs?: number
}

/**
 * Takes a folder's lock (`<dir>/lock`, created whole and exclusively, naming its process and host)
 * and returns what gives it back. A lock left by a process that died is taken over: at once on the
 * same host (its process is gone), after a minute without refresh elsewhere (a spool carried on a
 * disk). Of processes taking over the same lock at once, exactly one gets it (see
 * `replaceLeftBehind`). CONFLICT while a live process holds it.
 */
export async function lockFolder(dir: string, what: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const file = path.join(dir, 'lock')
  const owner: Owner = {pid: process.pid, host: hostname(), since: new Date().toISOString(), nonce: randomBytes(8).toString('hex')}
  const ours = JSON.stringify(owner)
  let acquired = false
  for (let attempt = 0; attempt < ATTEMPTS && !acquired; attempt++) {
    acquired = await createWhole(file, ours)
    if (acquired) break
    const held = await readText(file)
    // Given back between the two looks: created again on the next.
    if (held === undefined) continue
    if (!(await leftBehind(file, parseOwner(held)))) throw inUse(dir, what, parseOwner(held))
    acquired = await replaceLeftBehind(file, held, ours)
  }
  if (!acquired) throw inUse(dir, what, parseOwner(await readText(file)))

  const refresh = setInterval(() => {
    void (async () => {
      const now = await readText(file)
      if (now !== ours) {
        clearInterval(refresh)
        options.onLost?.(lost(dir, what, parseOwner(now)))
        return
      }
      const time = new Date()
      await utimes(file, time, time)
    })().catch(() => undefined)
  }, options.refreshMs ?? REFRESH_MS)
  refresh.unref()
  return async () => {
    clearInterval(refresh)
    if ((await readText(file)) === ours) await rm(file, {force: true})
  }
}

/**
 * Replaces a lock left behind (whose text is `held`) with ours, one process at a time: only the
 * process that creates the claim `<file>.takeover-<digest of held>` exclusively goes on; it checks
 * that the lock still holds `held`, renames a file holding ours over it, and reads it back. The
 * lock is never absent meanwhile, so a process creating it afresh cannot slip in, and once
 * replaced it never holds `held` again, so a late taker finds nothing to take. A claim left by a
 * taker that died is taken over the same way.
 */
async function replaceLeftBehind(file: string, held: string, ours: string): Promise<boolean> {
  const claim = `${file}.takeover-${createHash('sha256').update(held).digest('hex').slice(0, 16)}`
  if (!(await createWhole(claim, ours))) {
    const claimedBy = await readText(claim)
    if (claimedBy === undefined || !(await leftBehind(claim, parseOwner(claimedBy)))) return false
    if (!(await replaceLeftBehind(claim, claimedBy, ours))) return false
  }
  try {
    if ((await readText(file)) !== held) return false
    const temporary = `${file}.${randomBytes(8).toString('hex')}.tmp`
    await writeFile(temporary, ours, {flag: 'wx'})
    await rename(temporary, file)
    return (await readText(file)) === ours
  } finally {
    if ((await readText(claim)) === ours) await rm(claim, {force: true})
  }
}

/** Creates `file` holding `text`, or false when it exists: linked from a file written first, so no one reads it half-written. */
async function createWhole(file: string, text: string): Promise<boolean> {
  const temporary = `${file}.${randomBytes(8).toString('hex')}.tmp`
  await writeFile(temporary, text, {flag: 'wx'})
  try {
    await link(temporary, file)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    // File systems without hard links (FAT on a carried disk): created exclusively, then written.
    return createOpen(file, text)
  } finally {
    await rm(temporary, {force: true})
  }
}

async function createOpen(file: string, text: string): Promise<boolean> {
  const created = await open(file, 'wx').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') return undefined
    throw error
  })
  if (!created) return false
  try {
    await created.writeFile(text)
  } finally {
    await created.close()
  }
  return true
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function parseOwner(text: string | undefined): Owner | undefined {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as Owner)
  } catch {
    // Damaged (or written by a file system without hard links this very moment): its age decides.
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

function by(held: Owner | undefined): string {
  return held ? ` (process ${held.pid} on ${held.host}, since ${held.since})` : ''
}

function inUse(dir: string, what: string, held: Owner | undefined): LabmeshError {
  return new LabmeshError('CONFLICT', `the ${what} ${dir} is in use by another labmesh process${by(held)}`, {
    subject: dir,
    suggestions: [
      'wait for it to finish, or stop the watcher that uses it (a watcher sends its spool up itself)',
      `a lock left by a process that died is taken over at once on the same machine, after ${STALE_MS / 1000} s from another`,
    ],
  })
}

function lost(dir: string, what: string, held: Owner | undefined): LabmeshError {
  return new LabmeshError('CONFLICT', `the lock of the ${what} ${dir} was taken over by another labmesh process${by(held)}`, {
    subject: dir,
    suggestions: ['this process seemed dead (no refresh for a minute): it stops using the folder; run it again once the other is done'],
  })
}
