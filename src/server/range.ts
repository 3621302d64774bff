import type {ByteRange} from '../backends/types.js'

/**
 * The one byte range of a `Range: bytes=...` header over a file of `size` bytes: `full` when
 * there is none or it is one this server ignores (several ranges, another unit, as HTTP allows),
 * `unsatisfiable` when it starts past the end (416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'full' | 'unsatisfiable' {
  if (!header) return 'full'
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return 'full'
  if (match[1] === '') {
    // The last n bytes.
    const suffix = Number(match[2])
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return {start: Math.max(0, size - suffix), end: size - 1}
  }
  const start = Number(match[1])
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (start >= size || end < start) return 'unsatisfiable'
  return {start, end}
}
