import type {Quantity} from '../types.js'
import type {HeaderEntry} from './model.js'
import {durationSeconds} from './rows.js'
import {UNITLESS, unitFromName, unitWord} from './units.js'

/**
 * Key/value header lines in any of the shapes exports use: "Key: value", "Key<delim>value",
 * "Key:<delim>value", "Key,,,,value", several "Key: value" cells on one line, and several
 * pairs inside one cell ("Excitation: 360/40,  Emission: 460/40"). A line with no key is kept
 * as text; an indented one continues the previous key.
 */
export function parseHeaderRow(cells: string[], previousKey: string | undefined, decimalComma: boolean): HeaderEntry[] {
  const entries: {key: string; text: string}[] = []
  let pending: string | undefined
  let current: {key: string; text: string} | undefined
  let first = true
  const indented = cells[0] === ''
  const nonEmpty = cells.filter((c) => c !== '')
  for (let i = 0; i < nonEmpty.length; i++) {
    const cell = nonEmpty[i]
    const pairs = splitPairs(cell)
    if (pairs) {
      if (pending !== undefined) entries.push({key: pending, text: ''})
      pending = undefined
      for (const [key, text] of pairs.slice(0, -1)) entries.push({key, text})
      const [lastKey, lastText] = pairs[pairs.length - 1]
      if (lastText === '') pending = lastKey
      else entries.push((current = {key: lastKey, text: lastText}))
    } else if (pending !== undefined) {
      entries.push((current = {key: pending, text: cell}))
      pending = undefined
    } else if (current) {
      current.text += ` | ${cell}`
    } else if (first && nonEmpty.length > 1 && !indented && !/^[-+.\d]/.test(cell)) {
      pending = cell.replace(/\s*[:=]$/, '')
    } else {
      entries.push((current = {key: indented ? (previousKey ?? '') : '', text: cell}))
    }
    first = false
  }
  if (pending !== undefined) entries.push({key: pending, text: ''})
  return entries.map(({key, text}) => ({key, text, quantities: scanQuantities(text, key, decimalComma)}))
}

const PAIR_SPLIT = /,\s*(?=[A-Za-z][^,:]{0,60}:(?:\s|$))/

/** "Read Speed: Normal,  Delay: 100 msec" -> [[Read Speed, Normal], [Delay, 100 msec]], or undefined. */
function splitPairs(cell: string): [string, string][] | undefined {
  if (keyColon(cell) < 0) return undefined
  const parts = PAIR_SPLIT.test(cell) ? cell.split(PAIR_SPLIT) : [cell]
  const pairs: [string, string][] = []
  for (const part of parts) {
    const colon = keyColon(part)
    const key = colon < 0 ? '' : part.slice(0, colon).trim()
    if (!isKey(key)) {
      if (pairs.length === 0) return undefined
      pairs[pairs.length - 1][1] += `, ${part}`
      continue
    }
    pairs.push([key, part.slice(colon + 1).trim()])
  }
  return pairs
}

/** The colon ending a key: not one inside a time ("66:35:00"), brackets ("(MM:SS)"), a drive ("C:\\") or a URL. */
function keyColon(text: string): number {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === '(' || ch === '[') depth++
    else if ((ch === ')' || ch === ']') && depth > 0) depth--
    if (ch !== ':' || i === 0 || depth > 0) continue
    const before = text.charCodeAt(i - 1)
    const after = text.charCodeAt(i + 1)
    if (before >= 48 && before <= 57 && after >= 48 && after <= 57) continue
    if (text[i + 1] === '\\' || text.startsWith('//', i + 1)) continue
    return i
  }
  return -1
}

/** A key is words, not a clock time ("14:34"), a drive letter or a number. */
function isKey(text: string): boolean {
  const key = text.trim()
  return key.length > 0 && key.length <= 80 && /[A-Za-z]/.test(key) && !/^\d/.test(key)
}

/** Keys of clock times and dates ("Time", "Start Time", "Assay Finished"), not of durations ("Settle Time"). */
const CLOCK_KEY =
  /^(time|date|timestamp|clock)$|\b(start|end|finish|stop|export|save|creat|modif|edit|measurement|analysis|acquisition|run)\w*\s*(time|date)|(started|finished|exported|saved|edited|created|modified)$|date/i
const PATH = /^[A-Za-z]:\\|^\\\\|^\/\w|\.(xpt|prt|csv|txt|xlsx?|pda|spa)$/i
const DATE = /\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b/g
const CLOCK = /\b\d{1,2}:\d{2}(:\d{2})?\s*[AP]M\b/gi
const DURATION = /(?<![\d.:T])\d{1,3}:\d{2}(?:\.\d+|:\d{2}(?:\.\d+)?)?(?![\d:])/g
const NUMBER = /(?<![A-Za-z0-9_.])[-+]?(?:\d+(?:[.,]\d+)?|\.\d+)(?:[eE][-+]?\d+)?/g
/** A unit after a number, in the same cell ("7 mm", "320nm") or the next one ("450 | nm"). */
const UNIT_AFTER = /^(\s?|\s\|\s)([A-Za-zµμ°º∞¡�%#][A-Za-zµμ°º∞¡�%/#]*)/

/**
 * Every number in a header value as a quantity: "7 mm" -> 7 mm, "Runtime 0:30:00" -> 1800 s,
 * "999 Reads" -> 999 #, and a bare number in the unit its key implies (Excitation -> nm).
 * Dates, clock times, file paths and numbers inside names ("200Pro") are no measurements.
 */
export function scanQuantities(text: string, key: string, decimalComma: boolean): Quantity[] {
  if (text === '' || !/\d/.test(text) || PATH.test(text)) return []
  const clock = CLOCK_KEY.test(key)
  const out: Quantity[] = []
  let rest = text.replace(DATE, ' ').replace(CLOCK, ' ')
  rest = rest.replace(DURATION, (token) => {
    const seconds = durationSeconds(token)
    // Under a clock key "14:34:46" is a time of day, not 52486 s.
    if (seconds !== undefined && !clock) out.push({value: seconds, unit: 's'})
    return ' '
  })
  const implied = unitFromName(key) ?? UNITLESS
  NUMBER.lastIndex = 0
  let m: RegExpExecArray | null
  while ((m = NUMBER.exec(rest))) {
    let token = m[0]
    let end = m.index + token.length
    const comma = token.indexOf(',')
    if (comma >= 0) {
      // "260,280" in a list is two numbers; "0,5" is a decimal only where the file writes them.
      if (decimalComma) token = token.replace(',', '.')
      else {
        token = token.slice(0, comma)
        end = m.index + comma
        NUMBER.lastIndex = end + 1
      }
    }
    const value = Number(token)
    if (!Number.isFinite(value)) continue
    const after = UNIT_AFTER.exec(rest.slice(end, end + 16))
    const unit = after ? unitWord(after[2]) : undefined
    if (!unit && after && after[1] === '') continue
    out.push({value, unit: unit ?? implied})
  }
  return out
}

/** True when a value is nothing but numbers and units ("7 mm", "360/40", "0:30:00"): its quantities say it all. */
export function onlyQuantities(text: string): boolean {
  for (const token of text.split(/[\s|,;/()[\]=]+/)) {
    if (token === '' || durationSeconds(token) !== undefined || unitWord(token)) continue
    const m = /^[-+]?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?(.*)$/.exec(token)
    if (!m || (m[4] !== '' && !unitWord(m[4]))) return false
  }
  return true
}
