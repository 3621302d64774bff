import {Flags} from '@oclif/core'

import {LabmeshError} from '../errors.js'
import {parseNumber} from '../search/values.js'

/**
 * "10MB", "500 MB", "1GiB", or a number of bytes -> bytes, as in search's `size<1MB` (KB, MB, GB,
 * TB are powers of 1000 as AWS bills them; KiB ... of 1024).
 */
export function parseSize(text: string, flag?: string): number {
  const bytes = parseNumber(text.trim().replace(/(\d)\s+(?=[a-z]+$)/i, '$1'), {bytes: true})
  if (bytes === undefined || bytes <= 0 || !Number.isFinite(bytes)) {
    throw new LabmeshError('USAGE', `${flag ? `--${flag} ` : ''}"${text}" is not a size`, {
      suggestions: ['a number of bytes, or with a unit: 500MB, 10GB, 1TB (or KiB, MiB, GiB, TiB)'],
    })
  }
  return Math.floor(bytes)
}

/** A flag that takes a size ("10MB", "1GiB") and parses to bytes. */
export const sizeFlag = Flags.custom<number>({
  helpValue: 'SIZE',
  async parse(input, _context, options) {
    return parseSize(input, options.name)
  },
})
