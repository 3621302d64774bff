import {rowIndex, rowName} from '../wells.js'
import {isBlank, splitCsv} from './csv.js'

/**
 * The plate part of an EnVision export: one block per plate read or calculation, each
 *   Plate information          (a header line and one value line: plate, repeat, barcode, temperatures, ...)
 *   Background information     (optional: label, signal, MeasInfo per detector)
 *   Results for ... / Calculated results: ...   (optional title)
 *   grid                       (",01,02,..." header and "A,..." rows, or bare value rows in plate order)
 */
export interface GridCell {
  well: string
  raw: string
}

export interface Grid {
  cells: GridCell[]
  rows: number
  columns: number
}

export interface PlateBlock {
  /** Plate information, column name -> cell as written. */
  info: Record<string, string>
  background: Record<string, string>[]
  title?: string
  /** Lines between the background and the grid that are neither (kept, not interpreted). */
  notes: string[]
  grid: Grid
  /** A calculation plate names a Formula; a measured one names a Label. */
  calculated: boolean
}

export class GridError extends Error {}

const PLATE_START = /^Plate information/i

export function isPlateStart(line: string | undefined): boolean {
  return line !== undefined && PLATE_START.test(line.trim())
}

/** A column header is an empty corner cell then 1, 2, 3, ... (written "01", "02"), maybe a trailing empty cell. */
function columnHeader(cells: string[]): number[] | undefined {
  if (cells[0].trim() !== '') return undefined
  const numbers: number[] = []
  for (const cell of cells.slice(1)) {
    const c = cell.trim()
    if (c === '') continue
    if (!/^\d{1,3}$/.test(c) || Number(c) !== numbers.length + 1) return undefined
    numbers.push(Number(c))
  }
  return numbers.length > 0 ? numbers : undefined
}

function skipBlank(lines: string[], i: number): number {
  while (i < lines.length && isBlank(lines[i])) i++
  return i
}

function record(header: string[], values: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  header.forEach((name, j) => {
    if (name !== '') out[name] = (values[j] ?? '').trim()
  })
  return out
}

function readGrid(lines: string[], start: number): {grid: Grid; next: number} {
  let i = start
  const header = columnHeader(splitCsv(lines[i] ?? ','))
  if (header) i++
  const cells: GridCell[] = []
  let rows = 0
  let columns = header?.length ?? 0
  for (; i < lines.length && !isBlank(lines[i]) && !isPlateStart(lines[i]); i++, rows++) {
    const line = splitCsv(lines[i])
    let row: string
    let values: string[]
    if (header) {
      // Labelled rows name their own wells; a trimmed export may skip rows, so never renumber them.
      const label = line[0].trim()
      const index = rowIndex(label)
      if (index === undefined) throw new GridError(`grid row "${label}" on line ${i + 1} is not a plate row letter`)
      row = rowName(index)
      values = line.slice(1)
    } else {
      row = rowName(rows)
      values = line
    }
    values.forEach((raw, j) => {
      const value = raw.trim()
      if (value === '') return
      const column = header ? header[j] : j + 1
      if (column === undefined) throw new GridError(`line ${i + 1} has a value beyond the grid's ${header?.length} columns`)
      columns = Math.max(columns, column)
      cells.push({well: `${row}${column}`, raw: value})
    })
  }
  return {grid: {cells, rows, columns}, next: i}
}

/** Reads consecutive plate blocks from `start`; returns them and the first line after them. */
export function readPlates(lines: string[], start: number): {plates: PlateBlock[]; next: number} {
  const plates: PlateBlock[] = []
  let i = skipBlank(lines, start)
  while (isPlateStart(lines[i])) {
    const header = splitCsv(lines[i + 1] ?? '').map((c) => c.trim())
    const values = splitCsv(lines[i + 2] ?? '')
    if (!header.includes('Plate') || isBlank(lines[i + 2]))
      throw new GridError(`the "Plate information" block on line ${i + 1} has no header and value line`)
    const info = record(header, values)
    i = skipBlank(lines, i + 3)
    const background: Record<string, string>[] = []
    if (/^Background information/i.test(lines[i] ?? '')) {
      const bgHeader = splitCsv(lines[i + 1] ?? '').map((c) => c.trim())
      for (i += 2; i < lines.length && !isBlank(lines[i]); i++) background.push(record(bgHeader, splitCsv(lines[i])))
      i = skipBlank(lines, i)
    }
    const notes: string[] = []
    while (i < lines.length && !isBlank(lines[i]) && !looksLikeGrid(lines[i])) notes.push(lines[i++].replace(/,+\s*$/, '').trim())
    const {grid, next} = readGrid(lines, i)
    if (grid.rows === 0) throw new GridError(`the plate block on line ${i + 1} has no result grid`)
    const titled = notes.findIndex((n) => /^(Results|Calculated results)\b/i.test(n))
    plates.push({
      info,
      background,
      title: titled >= 0 ? notes.splice(titled, 1)[0] : undefined,
      notes,
      grid,
      calculated: info.Formula !== undefined && info.Label === undefined,
    })
    i = skipBlank(lines, next)
  }
  return {plates, next: i}
}

/** A grid line is a column header, a lettered row, or a row of values (numbers, empty cells, error words). */
function looksLikeGrid(line: string): boolean {
  const cells = splitCsv(line)
  if (columnHeader(cells)) return true
  const first = cells[0].trim()
  if (rowIndex(first) !== undefined && cells.length > 2) return true
  return cells.length > 2 && cells.some((c) => /^[+-]?\d/.test(c.trim()))
}
