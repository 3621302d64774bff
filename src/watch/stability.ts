/** What a file looks like at one look: a change of either means it is still being written. */
export interface FileLook {
  size: number
  mtimeMs: number
}

interface Candidate extends FileLook {
  /** When the file was first seen looking like this (the watcher's clock, ms). */
  since: number
}

/**
 * Decides when files are stable: each file's size and modification time must stay the same for
 * the whole interval, measured on the watcher's clock from the first look that saw them so. Time
 * is passed in, so the rule is tested without waiting.
 */
export class StabilityTracker {
  private readonly candidates = new Map<string, Candidate>()

  constructor(private readonly stableMs: number) {}

  /** Records a look at a file; a changed size or time starts its interval again. */
  observe(key: string, look: FileLook, now: number): void {
    const known = this.candidates.get(key)
    if (known && known.size === look.size && known.mtimeMs === look.mtimeMs) return
    this.candidates.set(key, {...look, since: now})
  }

  forget(key: string): void {
    this.candidates.delete(key)
  }

  has(key: string): boolean {
    return this.candidates.has(key)
  }

  keys(): string[] {
    return [...this.candidates.keys()]
  }

  get size(): number {
    return this.candidates.size
  }

  /** The files unchanged for the whole interval at `now`, with how they looked. */
  stable(now: number): {key: string; look: FileLook}[] {
    const ready: {key: string; look: FileLook}[] = []
    for (const [key, c] of this.candidates) {
      if (now - c.since >= this.stableMs) ready.push({key, look: {size: c.size, mtimeMs: c.mtimeMs}})
    }
    return ready
  }
}
