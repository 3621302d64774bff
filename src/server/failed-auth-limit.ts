import ipaddr from 'ipaddr.js'

import type {ApiKey} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import type {KeyVerifier} from '../keys/authenticate.js'

interface Window {
  start: number
  count: number
}

/** Addresses whose failures are counted one by one; past this, newcomers share one counter. */
const DEFAULT_CAPACITY = 10_000

/**
 * Failed authentications allowed per client and minute. Each costs a scrypt check, and the
 * per-key limit cannot count them (they have no key), so guessing is cut off here before it costs
 * CPU: RATE_LIMITED (429) with the seconds left, until the minute ends.
 *
 * Memory is bounded without letting a flood reset anyone's count: a window is dropped only when
 * its minute is over, and when every slot holds a live window, clients not yet counted share one
 * overflow window (a flood from many addresses is limited as one client). IPv6 clients count per
 * /64, the block one subscriber gets, so rotating addresses within it changes nothing.
 */
export class FailedAuthLimit {
  // In the order windows started (a window is re-inserted when it restarts): expired ones are at the front.
  private readonly windows = new Map<string, Window>()
  private overflow: Window | undefined

  constructor(
    private readonly max = 20,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** How many clients are counted one by one (for tests: never above the capacity). */
  get tracked(): number {
    return this.windows.size
  }

  /** Throws when `ip` failed too often in this window; `retryAfter` gets the seconds left. */
  check(ip: string, retryAfter: (seconds: number) => void): void {
    const now = this.now()
    const window = this.live(this.windows.get(clientOf(ip)), now) ?? (this.full(now) ? this.live(this.overflow, now) : undefined)
    if (window && window.count >= this.max) {
      const left = Math.ceil((window.start + this.windowMs - now) / 1000)
      retryAfter(left)
      throw new LabmeshError('RATE_LIMITED', `too many failed authentications from ${ip}: try again in ${left} s`)
    }
  }

  failed(ip: string): void {
    const now = this.now()
    const client = clientOf(ip)
    const window = this.live(this.windows.get(client), now)
    if (window) {
      window.count++
      return
    }
    this.windows.delete(client)
    if (this.full(now)) {
      this.overflow = this.live(this.overflow, now) ?? {start: now, count: 0}
      this.overflow.count++
      return
    }
    this.windows.set(client, {start: now, count: 1})
  }

  /** Authenticates `token` for a request from `ip`, counting a failure against it. */
  async authenticate(verifier: KeyVerifier, token: string, ip: string, retryAfter: (seconds: number) => void): Promise<ApiKey> {
    this.check(ip, retryAfter)
    try {
      return await verifier.authenticate(token)
    } catch (error) {
      this.failed(ip)
      throw error
    }
  }

  private live(window: Window | undefined, now: number): Window | undefined {
    return window && now - window.start < this.windowMs ? window : undefined
  }

  /** Whether every slot holds a live window, after dropping the expired ones (from the front). */
  private full(now: number): boolean {
    for (const [client, window] of this.windows) {
      if (this.windows.size < this.capacity || this.live(window, now)) break
      this.windows.delete(client)
    }
    return this.windows.size >= this.capacity
  }
}

/** Who failures count against: the address, or its /64 for IPv6 (IPv4-mapped addresses as IPv4). */
export function clientOf(ip: string): string {
  // The common case, without parsing: it runs on every failed request of a flood.
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return ip
  if (!ipaddr.isValid(ip)) return ip
  let parsed = ipaddr.parse(ip)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  if (parsed.kind() === 'ipv4') return parsed.toString()
  return `${(parsed as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`
}
