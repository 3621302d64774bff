import {Flags} from '@oclif/core'

import {LabmeshError} from '../errors.js'

const UNIT_BYTES: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
}

/** "10GB", "500 MB", "1.5TB", "2GiB" -> bytes (KB, MB, GB, TB are powers of 1000 as AWS bills them; KiB ... of 1024). */
export function parseSize(text: string, flag?: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i.exec(text.trim())
  const factor = UNIT_BYTES[(m?.[2] ?? 'b').toLowerCase()]
  if (!m || factor === undefined) {
    throw new LabmeshError('USAGE', `${flag ? `--${flag} ` : ''}"${text}" is not a size`, {
      suggestions: ['a number and a unit: 500MB, 10GB, 1TB (or MiB, GiB, TiB)'],
    })
  }
  return Math.round(Number(m[1]) * factor)
}

/** A flag that takes a size ("10GB", "500MB") and parses to bytes. */
export const sizeFlag = Flags.custom<number>({
  helpValue: 'SIZE',
  async parse(input, _context, options) {
    return parseSize(input, options.name)
  },
})
