import {quantity} from '../asm.js'
import {splitDelimited} from '../delimited.js'
import {parseNumber} from '../numbers.js'
import type {Quantity} from '../types.js'

export const splitCsv = (line: string): string[] => splitDelimited(line, ',')

/** `="1050209"` is Excel's keep-as-text wrapper (`=""` when empty); the value is what is inside. */
export function unwrap(raw: string): string {
  const s = raw.trim()
  const m = /^="(.*)"$/.exec(s)
  return m ? m[1] : s
}

const UNIT_SPELLING: Record<string, string> = {'%': '%', nm: 'nm', mm: 'mm', s: 's', ms: 'ms', us: 'µs', µs: 'µs', '°c': 'degC', c: 'degC'}

/** A setting as the file writes it: "6.5 mm" -> quantity, "180" -> number, "N/A" or text -> string. */
export function typedValue(raw: string): number | string | Quantity {
  const s = unwrap(raw)
  const n = parseNumber(s)
  if (n !== undefined) return n
  const m = /^([+-]?\d+(?:\.\d+)?)\s*(%|nm|mm|ms|us|µs|s|°C|C)$/i.exec(s)
  if (m && UNIT_SPELLING[m[2].toLowerCase()]) return quantity(Number(m[1]), UNIT_SPELLING[m[2].toLowerCase()])
  return s
}

/** Blank separates sections; a line of bare commas is an empty grid row, not a separator. */
export function isBlank(line: string | undefined): boolean {
  return line === undefined || line.trim() === ''
}
