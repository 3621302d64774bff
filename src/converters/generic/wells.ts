import {normaliseWell} from '../wells.js'
import type {PlateRead, SeriesColumn, TableRow, WellSeries} from './model.js'
import {classifyRead, type ReadContext} from './reads.js'
import {cellNumber, durationSeconds} from './rows.js'
import {namesDuration, UNITLESS, unitFromName, unitInHeader} from './units.js'

/** Well names, and the pieces the table parsers share: blank lines, values, series columns. */
const WELL = /^[A-Z]{1,2}0*[1-9]\d{0,2}$/

/** "A01" -> "A1" for cells that are well names on a plate of up to 1536 wells. */
export function wellName(cell: string | undefined): string | undefined {
  if (!cell || cell.length > 6 || !WELL.test(cell)) return undefined
  const well = normaliseWell(cell)
  if (!well) return undefined
  const row = /^[A-Z]+/.exec(well)![0]
  const column = Number(well.slice(row.length))
  if ((row.length === 2 && (row[0] !== 'A' || row[1] > 'F')) || column > 48) return undefined
  return well
}

export function wellPosition(well: string): {row: number; column: number} {
  const letters = /^[A-Z]+/.exec(well)![0]
  const row = letters.length === 1 ? letters.charCodeAt(0) - 65 : 26 + letters.charCodeAt(1) - 65
  return {row, column: Number(well.slice(letters.length))}
}

/** What a table parser found from its first line up to `end` (exclusive). */
export interface TableResult {
  end: number
  reads: PlateRead[]
  series: WellSeries[]
  rows: TableRow[]
  /** The plate a single-record table names (EnVision's "Plate information"). */
  plate?: string
  maxRow: number
  maxColumn: number
}

export function emptyResult(end: number): TableResult {
  return {end, reads: [], series: [], rows: [], maxRow: -1, maxColumn: 0}
}

/** Widens the plate a result covers to hold `well`. */
export function coverWell(result: TableResult, well: string): void {
  const p = wellPosition(well)
  if (p.row > result.maxRow) result.maxRow = p.row
  if (p.column > result.maxColumn) result.maxColumn = p.column
}

export function isBlank(row: string[] | undefined): boolean {
  if (!row) return true
  for (const cell of row) if (cell !== '') return false
  return true
}

export function isValue(cell: string, decimalComma: boolean): boolean {
  return cellNumber(cell, decimalComma) !== undefined || durationSeconds(cell) !== undefined
}

/** A named column of a series (time, wavelength, temperature) with its unit. */
export function seriesColumn(name: string, cells: string[], decimalComma: boolean): SeriesColumn {
  const durations = cells.some((cell) => durationSeconds(cell) !== undefined)
  const unit = durations || (namesDuration(name) && !unitInHeader(name)) ? 's' : (unitInHeader(name) ?? unitFromName(name) ?? UNITLESS)
  return {name, unit, values: cells.map((cell) => durationSeconds(cell) ?? cellNumber(cell, decimalComma) ?? null)}
}

/** Per-well values along `dimension`: one datacube per well, text cells kept as errors. */
export function wellSeries(
  ctx: ReadContext,
  label: string,
  dimension: SeriesColumn,
  shared: SeriesColumn[],
  wells: [string, string[]][],
  decimalComma: boolean,
): WellSeries {
  const read = classifyRead(ctx, label)
  const series: WellSeries = {
    title: label ? `${ctx.title} ${label}` : ctx.title,
    plate: ctx.plate,
    technique: read.technique,
    unit: read.unit,
    settings: read.settings,
    dimension,
    shared,
    wells: new Map(),
    errors: new Map(),
  }
  for (const [well, cells] of wells) {
    const values: (number | null)[] = []
    const errors: string[] = []
    for (const cell of cells) {
      const value = cellNumber(cell, decimalComma)
      values.push(value ?? null)
      if (value === undefined && cell !== '') errors.push(cell)
    }
    series.wells.set(well, values)
    if (errors.length > 0) series.errors.set(well, errors)
  }
  return series
}
