import {parseNumber} from '../numbers.js'
import type {Quantity} from '../types.js'

/** Gen5 spells units its own way; documents use the ASM spellings. */
const UNITS: Record<string, string> = {
  nm: 'nm',
  mm: 'mm',
  msec: 'ms',
  ms: 'ms',
  sec: 's',
  s: 's',
  min: 'min',
  µL: 'µL',
  uL: 'µL',
  'µL/sec': 'µL/s',
  'uL/sec': 'µL/s',
  cpm: 'cpm',
  rpm: 'rpm',
  '%': '%',
  Reads: '#',
  reads: '#',
}

export const UNITLESS = '(unitless)'

/** The degree sign reaches us as °, º, or mis-decoded as ∞ or U+FFFD, depending on the exporting PC's code page. */
const DEGREE_C = /^[°º∞\uFFFD]?\s?C$/

function unitFor(token: string): string | undefined {
  if (DEGREE_C.test(token)) return 'degC'
  return UNITS[token]
}

/** Gen5 writes the duration format beside durations: "(HH:MM:SS)", "(MM:SS)", "(MM:SS.ss)". */
const FORMAT_HINT = /\s*\((?:HH:)?MM:SS(?:\.s+)?\)/g

/** "1:30:00" (h:m:s), "0:10" / "0:01.00" / "0:00.210" (m:s) -> seconds. */
export function parseDuration(raw: string): number | undefined {
  const m = /^(\d+):(\d{1,2})(?::(\d{1,2}))?(\.\d+)?$/.exec(raw.replace(FORMAT_HINT, '').trim())
  if (!m) return undefined
  const fraction = m[4] ? Number(m[4]) : 0
  if (m[3] === undefined) return Number(m[1]) * 60 + Number(m[2]) + fraction
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + fraction
}

// A number not glued after a word or another number ("D1..E24" holds no loose number),
// then an optional unit word, spaced or not ("4.5 mm", "450nm").
const NUMBER_WITH_UNIT = /(?<![\w.:])([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)(?![\d.:])\s?([A-Za-zµ°º∞\uFFFD%][A-Za-zµ/]*)?/g

/**
 * Every number of a setting value as a quantity: "100 msec" -> 100 ms, "282 cpm (3 mm)" -> 282 cpm and 3 mm,
 * "0:10 (MM:SS)" -> 10 s. Unknown unit words leave the number unitless (the word stays in the setting's text).
 */
export function quantitiesIn(raw: string): Quantity[] {
  const duration = parseDuration(raw)
  if (duration !== undefined) return [{value: duration, unit: 's'}]
  const out: Quantity[] = []
  for (const m of raw.replace(FORMAT_HINT, '').matchAll(NUMBER_WITH_UNIT)) {
    const value = Number(m[1])
    if (!Number.isFinite(value)) continue
    out.push({value, unit: (m[2] && unitFor(m[2])) || UNITLESS})
  }
  return out
}

/** "485/20" or "480/20 nm" -> centre and bandwidth; "485" -> centre only. */
export function wavelengthAndBandwidth(raw: string): {centre?: number; bandwidth?: number} {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+(?:\.\d+)?))?\s*(?:nm)?\s*$/.exec(raw)
  if (!m) return {}
  return {centre: Number(m[1]), bandwidth: m[2] === undefined ? undefined : Number(m[2])}
}

/** A setting's value as the document keeps it: a quantity, several quantities, or the text. */
export function settingValue(raw: string): Quantity | Quantity[] | string {
  const text = raw.trim()
  const quantities = quantitiesIn(text)
  if (quantities.length === 0) return text
  return quantities.length === 1 ? quantities[0] : quantities
}

/** A result cell: a number, a duration (kinetic "t at Max V", "Lagtime") or the text Gen5 wrote instead. */
export type Cell = {value: number; unit?: 's'} | {error: string}

const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?$/

/** Readings are plain decimals almost always: a cheap test first, the full number reader for the rest. */
export function readNumber(text: string): number | undefined {
  return PLAIN_NUMBER.test(text) ? Number(text) : parseNumber(text)
}

export function readCell(raw: string): Cell | undefined {
  const text = raw.trim()
  if (text === '') return undefined
  const value = readNumber(text)
  if (value !== undefined) return {value}
  const seconds = parseDuration(text)
  if (seconds !== undefined) return {value: seconds, unit: 's'}
  return {error: text}
}

/** "4/11/2024" + "5:27:15 PM" -> "2024-04-11T17:27:15"; Gen5 writes US dates unless the day cannot be a month. */
export function isoDateTime(date: string | undefined, time: string | undefined): string | undefined {
  if (!date) return undefined
  const d = /^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})$/.exec(date.trim())
  if (!d) return time ? `${date} ${time}` : date
  const year = d[1].length === 4 ? d[1] : d[3]
  let [month, day] = d[1].length === 4 ? [d[2], d[3]] : [d[1], d[2]]
  if (d[1].length !== 4 && Number(month) > 12) [month, day] = [day, month]
  const iso = `${year.padStart(4, '20')}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`
  const t = time ? /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$/.exec(time.trim()) : null
  if (!t) return time ? `${iso} ${time}` : iso
  let hour = Number(t[1]) % (t[4] ? 12 : 24)
  if (t[4]?.toUpperCase() === 'PM') hour += 12
  return `${iso}T${String(hour).padStart(2, '0')}:${t[2]}:${t[3] ?? '00'}`
}
