import {appendAll} from '../arrays.js'
import {parseHeaderRow} from './header-block.js'
import type {Parsed} from './model.js'
import {type GridResult, parseBareGrid, parseGrid} from './plate-grid.js'
import {type ReadContext, settleRead} from './reads.js'
import {parseTable} from './result-table.js'
import {parseWellColumns} from './well-columns.js'
import {parseWellRows} from './well-rows.js'
import type {TableResult} from './wells.js'
import type {Sheet} from './rows.js'
import {type Technique, techniqueIn, UNITLESS, unitInHeader} from './units.js'

const PLATE_KEY = /^(plate|plate ?(number|name|id|#|no\.?)|well ?plate( name| id)?)$/i

/**
 * One pass over each sheet's rows: at each line, a plate structure (wells-down lines, a plate
 * grid, a bare matrix, a wells-across table), else a record table, else a header line. The
 * latest header line titles the structure below it and may name the plate and the technique.
 */
export function scanSheets(sheets: Sheet[]): Parsed {
  const parsed: Parsed = {header: [], reads: [], series: [], rows: [], maxRow: -1, maxColumn: 0}
  const fileTechnique = mostNamedTechnique(sheets)
  for (const sheet of sheets) {
    const {rows, decimalComma} = sheet
    const ctx: ReadContext = {title: sheet.name ?? '', fileTechnique}
    let previousKey: string | undefined
    let platesUnderTitle = 0
    const add = (found: TableResult | GridResult): void => {
      for (const read of found.reads) parsed.reads.push(settleRead(read))
      appendAll(parsed.series, found.series)
      if (found.rows) appendAll(parsed.rows, found.rows)
      parsed.maxRow = Math.max(parsed.maxRow, found.maxRow)
      parsed.maxColumn = Math.max(parsed.maxColumn, found.maxColumn)
    }
    let i = 0
    while (i < rows.length) {
      const row = rows[i]
      if (!row.some((c) => c !== '')) {
        i++
        continue
      }
      // A further plate under the same heading, with none of its own, holds values reduced from
      // the first (SoftMax Pro writes raw then reduced plates under one "Plate:" line).
      ctx.derived = platesUnderTitle > 0
      const plate =
        parseWellRows(rows, i, ctx, decimalComma) ??
        parseGrid(rows, i, ctx, decimalComma) ??
        parseBareGrid(rows, i, ctx, decimalComma) ??
        parseWellColumns(rows, i, ctx, decimalComma)
      if (plate) {
        add(plate)
        platesUnderTitle++
        i = plate.end
        continue
      }
      const table = parseTable(rows, i, ctx, decimalComma)
      if (table) {
        add(table)
        if (table.plate) ctx.plate = table.plate
        i = table.end
        continue
      }
      const entries = parseHeaderRow(row, previousKey, decimalComma)
      for (const entry of entries) {
        parsed.header.push(entry)
        if (PLATE_KEY.test(entry.key) && entry.text) ctx.plate = entry.text.split(' | ')[0]
        if (entry.key) previousKey = entry.key
      }
      ctx.title = row.filter((c) => c !== '').join(' ')
      platesUnderTitle = 0
      ctx.technique = techniqueIn(ctx.title) ?? ctx.technique
      i++
    }
  }
  demoteTableReadings(parsed)
  return parsed
}

/**
 * Where a file has plates of readings, its result tables list values derived from them (means,
 * concentrations, copies of reduced values): those columns are calculated data, not readings.
 */
function demoteTableReadings(parsed: Parsed): void {
  const plates = parsed.series.length > 0 || parsed.reads.some((r) => !r.fromTable && r.kind !== 'annotation')
  if (!plates) return
  for (const read of parsed.reads) {
    if (!read.fromTable || read.kind !== 'measurement') continue
    read.kind = 'calculated'
    read.unit = unitInHeader(read.label) ?? UNITLESS
  }
}

/** The technique the file's lines name most often: the default for reads nothing nearer names. */
function mostNamedTechnique(sheets: Sheet[]): Technique | undefined {
  const counts = new Map<Technique, number>()
  for (const sheet of sheets) {
    for (const row of sheet.rows) {
      for (const cell of row) {
        if (cell === '' || !/[A-Za-z]{2}/.test(cell)) continue
        const technique = techniqueIn(cell)
        if (technique) counts.set(technique, (counts.get(technique) ?? 0) + 1)
      }
    }
  }
  let best: Technique | undefined
  for (const [technique, n] of counts) if (!best || n > counts.get(best)!) best = technique
  return best
}
