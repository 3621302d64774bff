import {rowIndex, rowName} from '../wells.js'
import type {Quantity} from '../types.js'
import {appendAll, maxOf} from '../arrays.js'
import type {PlateRead, ReadSetting, SeriesColumn, TableRow, WellSeries} from './model.js'
import {cellNumber, durationSeconds} from './rows.js'
import {classifyRead, type ReadContext, settingFor} from './reads.js'
import {isBlank} from './wells.js'

/**
 * Plate grids: a header line numbering the columns 1..N (or 01..N), then one line per plate
 * row. Rows are named by a letter before the first column (A..P, A..AF, BMG's a..f after Z) or,
 * when no line has one, by position. Lines with an empty row name continue the row above as
 * further reads (Gen5 writes one line per read, named in a trailing cell). A header may number
 * several plates side by side (one per wavelength); blocks after blank lines are further reads
 * (kinetic cycles), and become per-well series when each block carries its elapsed time.
 */
export interface ColumnRun {
  start: number
  count: number
}

/**
 * Runs of cells numbering columns 1, 2, 3... in a header line (three or more each: the
 * narrowest plate has three columns). Any other number on the line means it is a data line.
 */
export function columnRuns(row: string[]): ColumnRun[] {
  const runs: ColumnRun[] = []
  let i = 0
  while (i < row.length) {
    if (!isColumnNumber(row[i], 1)) {
      const c = row[i].charCodeAt(0)
      if ((c >= 48 && c <= 57) || c === 45 || c === 46) return []
      i++
      continue
    }
    let n = 1
    while (i + n < row.length && isColumnNumber(row[i + n], n + 1)) n++
    if (n < 3) return []
    runs.push({start: i, count: n})
    i += n
  }
  return runs
}

function isColumnNumber(cell: string | undefined, expected: number): boolean {
  if (!cell || cell.length > 3) return false
  const c = cell.charCodeAt(0)
  if (c < 48 || c > 57) return false
  return /^\d{1,3}$/.test(cell) && Number(cell) === expected
}

export interface GridResult {
  end: number
  reads: PlateRead[]
  series: WellSeries[]
  /** Numbers right of the plate (a row's "Mean" column), one table row per plate row. */
  rows?: TableRow[]
  maxRow: number
  maxColumn: number
}

function hasCellIn(row: string[], runs: ColumnRun[]): boolean {
  for (const run of runs) for (let k = 0; k < run.count; k++) if ((row[run.start + k] ?? '') !== '') return true
  return false
}

interface Collected {
  label: string
  run: number
  block: number
  settings: ReadSetting[]
  values: {row: number; column: number; value: number | string}[]
}

/** Parses the grid whose column header is rows[at]; undefined when the next line is no grid row. */
export function parseGrid(rows: string[][], at: number, ctx: ReadContext, decimalComma: boolean): GridResult | undefined {
  const header = rows[at]
  const runs = columnRuns(header)
  if (runs.length === 0) return undefined
  const first = rows[at + 1]
  const labelAt = runs[0].start - 1
  const last = runs[runs.length - 1]
  const trailingFrom = last.start + last.count
  // An unlettered plate row may be all empty cells ("|||||"); a blank or short line is no row.
  const emptyRow = (row: string[]): boolean => row.length >= trailingFrom && isBlank(row)
  if (!first || (isBlank(first) && !emptyRow(first))) return undefined
  const wide = runs.some((r) => r.count > 24)
  const lettered = labelAt >= 0 && rowIndex(first[labelAt], wide) !== undefined
  if (!lettered && !hasCellIn(first, runs) && !emptyRow(first)) return undefined

  const collected = new Map<string, Collected>()
  const collect = (key: string, init: () => Collected): Collected => {
    let c = collected.get(key)
    if (!c) collected.set(key, (c = init()))
    return c
  }
  let maxRow = -1
  let i = at + 1
  let currentRow = -1
  let sub = 0
  let block = 0
  let positional = 0
  let blockSettings: ReadSetting[] = []
  const extras: TableRow[] = []
  for (; i < rows.length; i++) {
    const row = rows[i]
    if (isBlank(row) && (lettered || !emptyRow(row))) {
      if (lettered) break
      // A blank line between blocks of an unlettered grid starts the next kinetic cycle.
      let next = i + 1
      while (next < rows.length && isBlank(rows[next])) next++
      const candidate = rows[next]
      if (
        !candidate ||
        columnRuns(candidate).length > 0 ||
        !hasCellIn(candidate, runs) ||
        !leadsWithNumbers(candidate, runs[0].start, decimalComma)
      )
        break
      i = next - 1
      block++
      positional = 0
      continue
    }
    const label = labelAt >= 0 ? (row[labelAt] ?? '') : ''
    const trailing = trailingLabel(row, trailingFrom, decimalComma)
    if (lettered) {
      const index = rowIndex(label, wide)
      if (index !== undefined) {
        currentRow = index
        sub = 0
      } else if (label === '' && currentRow >= 0 && (hasCellIn(row, runs) || trailing !== '')) sub++
      else break
    } else {
      if (!hasCellIn(row, runs) && !emptyRow(row)) break
      if (positional === 0) blockSettings = []
      if (blockSettings.length === 0) blockSettings.push(...leadingSettings(header, row, runs[0].start, decimalComma))
      currentRow = positional++
    }
    maxRow = Math.max(maxRow, currentRow)
    const extra = rowExtras(header, row, trailingFrom, decimalComma)
    if (extra) extras.push({table: ctx.title, index: i - at, fields: {row: rowName(currentRow), ...extra}})
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]
      const key = `${r}|${lettered ? sub : 0}|${lettered ? trailing : ''}|${block}`
      let target: Collected | undefined
      for (let k = 0; k < run.count; k++) {
        const cell = row[run.start + k] ?? ''
        if (cell === '') continue
        target ??= collect(key, () => ({label: lettered ? trailing : '', run: r, block, settings: blockSettings, values: []}))
        target.values.push({row: currentRow, column: k + 1, value: cellNumber(cell, decimalComma) ?? cell})
      }
      if (!target && lettered && trailing !== '')
        collect(key, () => ({label: trailing, run: r, block, settings: blockSettings, values: []}))
    }
  }
  if (i === at + 1) return undefined
  const maxColumn = maxOf(runs.map((r) => r.count))
  const groups = [...collected.values()]
  const blocks = block + 1
  const timed = blocks > 1 && groups.every((g) => g.settings.some((s) => s.quantity.unit === 's'))
  const result: GridResult = {end: i, reads: [], series: [], rows: extras, maxRow, maxColumn}
  if (timed) {
    for (let r = 0; r < runs.length; r++)
      result.series.push(
        toSeries(
          groups.filter((g) => g.run === r),
          runs.length > 1 ? `${ctx.title} #${r + 1}` : ctx.title,
          ctx,
        ),
      )
    return result
  }
  for (const g of groups) {
    const parts = [g.label || (runs.length > 1 ? `#${g.run + 1}` : ''), blocks > 1 ? `block ${g.block + 1}` : ''].filter(Boolean)
    const read = classifyRead(ctx, parts.join(' '), g.label !== '')
    appendAll(read.settings, g.settings)
    for (const v of g.values) read.values.push({well: `${rowName(v.row)}${v.column}`, plate: ctx.plate, value: v.value})
    result.reads.push(read)
  }
  return result
}

/** Plate shapes (rows, columns) a bare matrix of numbers is recognised by. */
const SHAPES: [number, number][] = [
  [2, 3],
  [3, 4],
  [4, 6],
  [6, 8],
  [8, 12],
  [16, 24],
  [32, 48],
]

/**
 * A plate written as a bare matrix, without row names or column numbers (EnVision's list
 * layout): consecutive lines of numbers whose count is a plate's row count and whose width
 * fits its columns.
 */
export function parseBareGrid(rows: string[][], at: number, ctx: ReadContext, decimalComma: boolean): GridResult | undefined {
  let width = 0
  let delimited = 0
  let i = at
  // No plate has more than 32 rows: stopping there keeps a long block of numbers linear.
  for (; i < rows.length && i - at <= 32; i++) {
    const row = rows[i]
    const w = numericWidth(row, decimalComma)
    // Rows of empty cells (",,,,") are empty plate rows; a blank line ends the matrix.
    if (w < 2 && !(w === 0 && row.length > 2 && isBlank(row) && i > at)) break
    width = Math.max(width, w)
    delimited = Math.max(delimited, row[row.length - 1] === '' ? row.length - 1 : row.length)
  }
  const fits = (count: number) => SHAPES.find(([r, c]) => r === count && width <= c && (width > c / 2 || delimited === c))
  let shape = fits(i - at)
  if (!shape) {
    // Empty rows after the matrix may belong to the next section rather than to the plate.
    while (i > at && isBlank(rows[i - 1])) i--
    shape = fits(i - at)
  }
  if (!shape) return undefined
  const count = i - at
  const read = classifyRead(ctx, '')
  for (let r = 0; r < count; r++) {
    const row = rows[at + r]
    for (let k = 0; k < width; k++) {
      const cell = row[k] ?? ''
      if (cell !== '') read.values.push({well: `${rowName(r)}${k + 1}`, plate: ctx.plate, value: cellNumber(cell, decimalComma) ?? cell})
    }
  }
  return {end: i, reads: [read], series: [], maxRow: count - 1, maxColumn: shape[1]}
}

/** Cells up to the last non-empty one when every non-empty cell is a number; else 0. */
function numericWidth(row: string[], decimalComma: boolean): number {
  let width = 0
  for (let k = 0; k < row.length; k++) {
    const cell = row[k]
    if (cell === '') continue
    if (cellNumber(cell, decimalComma) === undefined) return 0
    width = k + 1
  }
  return width
}

/** The name of a sub-row's read: the first text cell right of the plate ("abs:450", "Ratio"). */
function trailingLabel(row: string[], from: number, decimalComma: boolean): string {
  for (let k = from; k < row.length; k++) if (row[k] !== '' && cellNumber(row[k], decimalComma) === undefined) return row[k]
  return ''
}

/** Numbers right of the plate, under their header cells. */
function rowExtras(header: string[], row: string[], from: number, decimalComma: boolean): Record<string, Quantity> | undefined {
  let extras: Record<string, Quantity> | undefined
  for (let k = from; k < row.length; k++) {
    const setting = row[k] === '' ? undefined : settingFor(header[k] ?? '', row[k], decimalComma)
    if (setting) (extras ??= {})[header[k] || `column ${k + 1}`] = setting.quantity
  }
  return extras
}

function leadsWithNumbers(row: string[], before: number, decimalComma: boolean): boolean {
  for (let k = 0; k < before; k++) {
    const cell = row[k] ?? ''
    if (cell !== '' && cellNumber(cell, decimalComma) === undefined && durationSeconds(cell) === undefined) return false
  }
  return true
}

/** Cells before the first column of a block's first line: elapsed time, temperature... */
function leadingSettings(header: string[], row: string[], before: number, decimalComma: boolean): ReadSetting[] {
  const settings: ReadSetting[] = []
  for (let k = 0; k < before; k++) {
    const cell = row[k] ?? ''
    if (cell === '') continue
    const setting = settingFor(header[k] ?? '', cell, decimalComma)
    if (setting) settings.push(setting)
  }
  return settings
}

function toSeries(groups: Collected[], title: string, ctx: ReadContext): WellSeries {
  const read = classifyRead(ctx, '')
  const times: (number | null)[] = groups.map((g) => g.settings.find((s) => s.quantity.unit === 's')?.quantity.value ?? null)
  const shared = new Map<string, SeriesColumn>()
  groups.forEach((g, index) => {
    for (const s of g.settings) {
      if (s.quantity.unit === 's') continue
      let column = shared.get(s.name)
      if (!column) shared.set(s.name, (column = {name: s.name, unit: s.quantity.unit, values: groups.map(() => null)}))
      column.values[index] = s.quantity.value
    }
  })
  const series: WellSeries = {
    title,
    plate: ctx.plate,
    technique: read.technique,
    unit: read.unit,
    settings: read.settings,
    dimension: {name: 'elapsed time', unit: 's', values: times},
    shared: [...shared.values()],
    wells: new Map(),
    errors: new Map(),
  }
  groups.forEach((g, index) => {
    for (const v of g.values) {
      const well = `${rowName(v.row)}${v.column}`
      let cube = series.wells.get(well)
      if (!cube) series.wells.set(well, (cube = groups.map(() => null)))
      if (typeof v.value === 'number') cube[index] = v.value
      else {
        const errors = series.errors.get(well) ?? []
        errors.push(v.value)
        series.errors.set(well, errors)
      }
    }
  })
  return series
}
