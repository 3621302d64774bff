import {randomUUID} from 'node:crypto'
import {hostname} from 'node:os'

import type {MetadataStore, StageStatus} from '../backends/types.js'

/** How long a claim holds without being renewed, and how often a live run renews its claims. */
const LEASE_MS = 5 * 60_000
const RENEW_MS = 60_000

/**
 * One convert run's claims on raw files: a file it claims is `converting`, held by this run alone,
 * so two runs at once never convert the same file (nor store its document twice). The lease is
 * renewed while the run lives; claims of a run that died are released when the next run starts
 * (at once for a process of this host that is gone, else when the lease ends).
 */
export class ConvertClaims {
  /** host:pid:random, so a later run can tell a claim of a process that is gone. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  private readonly timer: NodeJS.Timeout

  private constructor(private readonly metadata: MetadataStore) {
    this.timer = setInterval(() => {
      metadata.renewClaims(this.owner, leaseEnd()).catch(() => undefined)
    }, RENEW_MS)
    this.timer.unref()
  }

  static async start(metadata: MetadataStore): Promise<ConvertClaims> {
    const gone = (await metadata.claimOwners()).filter(isGoneOwner)
    await metadata.releaseClaims({owners: gone, expiredBefore: new Date().toISOString()})
    return new ConvertClaims(metadata)
  }

  /** The files of `fileIds` this run now holds: those whose status was one of `from` and no other run held. */
  claim(fileIds: string[], from: StageStatus[]): Promise<string[]> {
    return this.metadata.claimFiles(fileIds, {owner: this.owner, expiresAt: leaseEnd(), from})
  }

  /** Ends the run's claims: a file still held (its conversion never finished) goes back to `ingested`. */
  async end(): Promise<void> {
    clearInterval(this.timer)
    await this.metadata.releaseClaims({owners: [this.owner]})
  }
}

function leaseEnd(): string {
  return new Date(Date.now() + LEASE_MS).toISOString()
}

/** A claim owner that is a process of this host no longer running. */
function isGoneOwner(owner: string): boolean {
  const [host, pid] = owner.split(':')
  if (host !== hostname() || !/^\d+$/.test(pid ?? '') || Number(pid) === process.pid) return false
  try {
    process.kill(Number(pid), 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
