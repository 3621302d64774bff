import {appendAll, maxOf} from '../arrays.js'
import type {PlateRead, TableRow} from './model.js'
import {columnRuns} from './plate-grid.js'
import {classifyRead, fieldQuantity, type ReadContext} from './reads.js'
import {cellNumber, durationSeconds} from './rows.js'
import {UNITLESS, unitsRow, unitWord} from './units.js'
import {coverWell, emptyResult, isBlank, isValue, type TableResult, wellName} from './wells.js'

/**
 * Record tables: a header of column names, one line per record. A column naming wells ("Well",
 * "Well Position", "Position", or one whose cells are wells) maps each line to its well and each
 * numeric column becomes a read; lines without a well are kept as table rows.
 */
const WELL_HEADER = /^(wells?|well ?(position|pos\.?|id|name|location|label|no\.?)|position|pos\.?|location)$/i
const PLATE_HEADER = /^(plate|plate ?(number|name|id|#|no\.?|barcode)|well ?plate ?(name|id)?)$/i
const SAMPLE_HEADER = /^(sample( ?(name|id|identifier))?|name)$/i
const ID_HEADER = /(#|\bid|\bindex|\bno\.?|\bnumber)$/i
const UNIT_HEADER = /^units?$/i

/** A header of column names followed by records; undefined when rows[at] does not start one. */
export function parseTable(rows: string[][], at: number, ctx: ReadContext, decimalComma: boolean): TableResult | undefined {
  const header = rows[at]
  const named: number[] = []
  let numeric = 0
  for (let k = 0; k < header.length; k++) {
    if (header[k] === '') continue
    named.push(k)
    if (isValue(header[k], decimalComma)) numeric++
  }
  if (named.length < 2 || numeric * 5 > named.length || /:$/.test(header[named[0]]) || /^[^:]{1,60}:\s/.test(header[named[0]]))
    return undefined
  let wellColumn = named.find((k) => WELL_HEADER.test(header[k]))
  if (named.length < 3 && wellColumn === undefined) return undefined
  // Units may sit in a row of their own under the header ("", "ng/µL", "%").
  const units = rows[at + 1] ? unitsRow(rows[at + 1], header) : undefined
  const dataStart = units ? at + 2 : at + 1
  const first = rows[dataStart]
  if (!first || !isRecord(first, header, decimalComma) || columnRuns(first).length > 0) return undefined

  const data: string[][] = []
  let i = dataStart
  for (; i < rows.length; i++) {
    const row = rows[i]
    if (isBlank(row) || columnRuns(row).length > 0 || !aligned(row, header) || startsSection(row, decimalComma)) break
    data.push(row)
  }
  // "Well" may number wells (1, 2...) beside "Well Position" naming them: the column of names wins.
  const namesWells = (k: number): boolean => data.filter((r) => wellName(r[k]) !== undefined).length * 5 >= data.length * 4
  wellColumn = named.find((k) => WELL_HEADER.test(header[k]) && namesWells(k)) ?? named.find(namesWells) ?? wellColumn
  const plateColumn = named.find((k) => k !== wellColumn && PLATE_HEADER.test(header[k]))
  const sampleColumn = named.find((k) => SAMPLE_HEADER.test(header[k]))
  // A "Unit" column gives the unit of the value column before it, row by row.
  const unitColumn = named.find((k) => UNIT_HEADER.test(header[k]) && k > 0)
  const unitOfRow = (row: string[], k: number): string | undefined => {
    if (units?.[k]) return units[k]
    if (unitColumn === undefined || k !== unitColumn - 1) return undefined
    const cell = row[unitColumn] ?? ''
    return /^unitless$/i.test(cell) ? UNITLESS : unitWord(cell)
  }
  const width = maxOf(
    data.map((r) => r.length),
    header.length,
  )
  const result = emptyResult(i)
  if (data.length === 1 && plateColumn !== undefined && data[0][plateColumn]) result.plate = data[0][plateColumn]

  const reads = new Map<number, PlateRead>()
  const readFor = (k: number): PlateRead => {
    let read = reads.get(k)
    if (!read) {
      const name = header[k] || `column ${k + 1}`
      // A table's columns are named by its header, not derived from the plate above it.
      read = classifyRead({...ctx, derived: false}, name)
      if (k === sampleColumn || ID_HEADER.test(name) || WELL_HEADER.test(name)) read.kind = 'annotation'
      read.fromTable = true
      reads.set(k, read)
    }
    return read
  }
  data.forEach((row, index) => {
    const well = wellColumn === undefined ? undefined : wellName(row[wellColumn])
    if (well) {
      coverWell(result, well)
      const plate = plateColumn !== undefined && row[plateColumn] ? row[plateColumn] : ctx.plate
      for (let k = 0; k < width; k++) {
        const cell = row[k] ?? ''
        if (cell === '' || k === wellColumn || k === plateColumn || k === unitColumn) continue
        const seconds = durationSeconds(cell)
        const unit = unitOfRow(row, k)
        const value = cellNumber(cell, decimalComma) ?? seconds ?? cell
        readFor(k).values.push(unit ? {well, plate, value, unit} : {well, plate, value})
      }
      return
    }
    const fields: TableRow['fields'] = {}
    for (let k = 0; k < width; k++) {
      const cell = row[k] ?? ''
      if (cell === '') continue
      if (k === unitColumn && unitOfRow(row, k - 1)) continue
      const name = header[k] || `column ${k + 1}`
      const unit = unitOfRow(row, k)
      const value = unit ? cellNumber(cell, decimalComma) : undefined
      fields[fields[name] === undefined ? name : `${name} (${k + 1})`] =
        value !== undefined && unit ? {value, unit} : (fieldQuantity(header[k] ?? '', cell, decimalComma) ?? cell)
    }
    result.rows.push({table: ctx.title, index: index + 1, fields})
  })
  appendAll(result.reads, reads.values())
  return result
}

/** A record line: two or more cells, a number or a well among them, mostly under named columns. */
function isRecord(row: string[], header: string[], decimalComma: boolean): boolean {
  let cells = 0
  let values = 0
  for (const cell of row) {
    if (cell === '') continue
    cells++
    if (isValue(cell, decimalComma) || wellName(cell)) values++
  }
  return cells >= 2 && values > 0 && aligned(row, header)
}

/** A heading ("[Raw Data]") or a new header row (three or more names, no value, no well). */
function startsSection(row: string[], decimalComma: boolean): boolean {
  let cells = 0
  for (const cell of row) {
    if (cell === '') continue
    if (isValue(cell, decimalComma) || wellName(cell)) return false
    cells++
  }
  return cells === 1 || cells >= 3
}

function aligned(row: string[], header: string[]): boolean {
  let cells = 0
  let under = 0
  for (let k = 0; k < row.length; k++) {
    if (row[k] === '') continue
    cells++
    if ((header[k] ?? '') !== '') under++
  }
  return cells > 0 && under * 2 >= cells
}
