import {splitDelimited} from '../delimited.js'
import {parseNumber} from '../numbers.js'
import {type Cell, readSheets} from '../spreadsheet/index.js'
import {decodeText} from '../text.js'
import type {ConverterInput} from '../types.js'

/**
 * The generic converter reads every input as sheets of rows of trimmed text cells: a delimited
 * text file is one sheet, a workbook one sheet per worksheet. Numbers are parsed later, per cell,
 * so a cell keeps its original spelling for error strings ("OVRFLW") and labels.
 */
export interface Sheet {
  name?: string
  rows: string[][]
  /** Decimal commas ("0,125") in a file whose delimiter is not a comma. */
  decimalComma: boolean
}

const DELIMITERS = ['\t', ';', ','] as const

/** Splits decoded text into rows, picking the delimiter that separates the most lines. */
export function readTextSheet(bytes: Buffer): Sheet {
  const lines = decodeText(bytes).split('\n')
  const delimiter = pickDelimiter(lines)
  const rows = lines.map((line) => splitLine(line, delimiter))
  return {rows, decimalComma: delimiter !== ',' && usesDecimalComma(rows)}
}

function pickDelimiter(lines: string[]): string {
  const counts = [0, 0, 0]
  let seen = 0
  for (const line of lines) {
    if (line.trim() === '') continue
    for (let d = 0; d < DELIMITERS.length; d++) if (line.includes(DELIMITERS[d])) counts[d]++
    if (++seen >= 400) break
  }
  // Ties go to tab, then semicolon: commas also appear inside text and decimal numbers.
  let best = 0
  for (let d = 1; d < DELIMITERS.length; d++) if (counts[d] > counts[best]) best = d
  return DELIMITERS[best]
}

/** One CSV/TSV line into trimmed cells. */
export function splitLine(line: string, delimiter: string): string[] {
  return splitDelimited(line, delimiter).map(cleanCell)
}

/** Trims, and unwraps Excel's text-forcing `="1050209"` that some exports write. */
function cleanCell(cell: string): string {
  const trimmed = cell.trim()
  if (trimmed.startsWith('="') && trimmed.endsWith('"')) return trimmed.slice(2, -1).trim()
  return trimmed
}

function usesDecimalComma(rows: string[][]): boolean {
  let commas = 0
  for (const row of rows) {
    for (const cell of row) {
      if (/^[+-]?\d+\.\d+$/.test(cell)) return false
      if (/^[+-]?\d*,\d+$/.test(cell)) commas++
    }
  }
  return commas > 0
}

const PLAIN = /^-?\d+(\.\d+)?$/

/** A cell's number: "0,125" is 0.125 where the file writes decimal commas, else parseNumber's rules. */
export function cellNumber(cell: string, decimalComma: boolean): number | undefined {
  if (cell === '') return undefined
  if (decimalComma && /^[+-]?\d*,\d+([eE][+-]?\d+)?$/.test(cell)) return Number(cell.replace(',', '.'))
  // Plain decimals are most cells of a plate: one test instead of parseNumber's several.
  if (PLAIN.test(cell)) return Number(cell)
  const c = cell.charCodeAt(0)
  // Most cells are plain numbers or words: skip parseNumber's regexes for words.
  if (!(c >= 48 && c <= 57) && c !== 45 && c !== 43 && c !== 46 && c !== 34) return undefined
  return parseNumber(cell)
}

/** "0:04:22" -> 262 s, "0:30" (m:ss) -> 30 s, "0:00.20" -> 0.2 s, "00:00:00.000" -> 0: elapsed times as seconds. */
export function durationSeconds(cell: string): number | undefined {
  const m = /^(\d{1,3}):(\d{2}(?:\.\d+)?)(?::(\d{2}(?:\.\d+)?))?$/.exec(cell)
  if (!m) return undefined
  return m[3] === undefined ? Number(m[1]) * 60 + Number(m[2]) : Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])
}

/** Every worksheet of a workbook (.xlsx or .xls) as a sheet of text cells, positions kept. */
export async function readWorkbookSheets(input: ConverterInput): Promise<Sheet[]> {
  return (await readSheets(input)).map((sheet) => ({
    name: sheet.name,
    rows: sheet.rows.map((row) => Array.from(row, cellText)),
    decimalComma: false,
  }))
}

function cellText(value: Cell): string {
  if (value === undefined) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  return typeof value === 'string' ? cleanCell(value) : String(value)
}
