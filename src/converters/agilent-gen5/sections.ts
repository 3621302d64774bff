import {LabmeshError} from '../../errors.js'
import {parseNumber} from '../numbers.js'

/**
 * The layout of a Gen5 text export: per plate a header of "Key<TAB>Value" lines, a "Procedure Details"
 * block, then blank-line separated blocks, each either
 * - a plate grid: a title line ("Results", "Layout", "Blank 400/30,460/40"), a column header
 *   "<TAB>1<TAB>2...", rows starting with the row letter (or empty for more rows of the same letter)
 *   and ending with the row's label ("630nmAbsRead:630", "[Concentration]", "Well ID");
 * - a well table: a title line and a header whose columns are wells after a few leading columns
 *   (kinetic "Time<TAB>T° 420<TAB>A1...", spectrum "Wavelength<TAB>A1...", area scan "X Read #<TAB>Y Read #...");
 * - a keyed table (curve fits: "Curve Name<TAB>Curve Formula<TAB>A<TAB>B...");
 * - "Actual Temperature:<TAB>22.8" lines.
 * A new "Software Version" header after data starts the next plate (multi-plate exports).
 */

export interface GridRow {
  row: string
  label?: string
  cells: string[]
}

export interface PlateGrid {
  title?: string
  columns: number
  rows: GridRow[]
}

export interface WellTable {
  title?: string
  header: string[]
  /** Index of the first well column; the columns before it are dimensions (time, wavelength) or temperature. */
  firstWell: number
  rows: string[][]
}

export interface KeyedTable {
  title?: string
  header: string[]
  rows: string[][]
}

export interface PlateSection {
  meta: Map<string, string>
  procedure: string[]
  temperatures: number[]
  grids: PlateGrid[]
  wellTables: WellTable[]
  tables: KeyedTable[]
  /** Lines no structure above explains, kept verbatim rather than dropped. */
  notes: string[]
}

const ROW_NAME = /^[A-Z]{1,2}$/
/** Time, temperature; wavelength; X and Y positions: never more than a few columns before the wells. */
const MAX_LEADING_COLUMNS = 3
export const WELL_NAME = /^[A-Z]{1,2}\d{1,3}$/

function newSection(): PlateSection {
  return {meta: new Map(), procedure: [], temperatures: [], grids: [], wellTables: [], tables: [], notes: []}
}

function hasData(section: PlateSection): boolean {
  return section.procedure.length > 0 || section.grids.length > 0 || section.wellTables.length > 0
}

/** "<TAB>1<TAB>2...<TAB>N" -> N, else 0. */
function gridColumns(cells: string[]): number {
  if (cells.length < 2 || cells[0].trim() !== '') return 0
  let n = 0
  for (let i = 1; i < cells.length; i++) {
    const cell = cells[i].trim()
    if (cell === '' && i > 1) break
    if (cell !== String(n + 1)) return 0
    n++
  }
  return n
}

/** A well table header: a few leading columns, then only well names ("R2" in a curve fit header is no well table). */
function firstWellColumn(cells: string[]): number {
  if (cells[0].trim() === '' || WELL_NAME.test(cells[0].trim())) return -1
  let first = -1
  for (let i = 1; i < cells.length; i++) {
    const cell = cells[i].trim()
    if (WELL_NAME.test(cell)) {
      if (first < 0) first = i
    } else if (first >= 0 ? cell !== '' : i > MAX_LEADING_COLUMNS) {
      return -1
    }
  }
  return first
}

function nonEmpty(cells: string[]): string[] {
  return cells.map((c) => c.trim()).filter((c) => c !== '')
}

export function readSections(text: string, fileName: string): PlateSection[] {
  const lines = text.split('\n')
  const truncatedEnd = !text.endsWith('\n')
  const sections: PlateSection[] = []
  let section = newSection()
  let title: string | undefined
  let procedureNext = false

  const takeTitle = (): string | undefined => {
    const t = title
    title = undefined
    return t
  }

  let i = 0
  while (i < lines.length) {
    if (lines[i].trim() === '') {
      i++
      continue
    }
    const start = i
    while (i < lines.length && lines[i].trim() !== '') i++
    const block = lines.slice(start, i)

    if (procedureNext) {
      section.procedure = block
      procedureNext = false
      continue
    }
    if (/^Software Version\b/.test(block[0]) && hasData(section)) {
      sections.push(section)
      section = newSection()
    }

    let pos = 0
    while (pos < block.length) {
      const line = block[pos]
      const cells = line.split('\t')
      const filled = nonEmpty(cells)
      const columns = gridColumns(cells)
      if (line.trim() === 'Procedure Details') {
        if (pos + 1 < block.length) section.procedure = block.slice(pos + 1)
        else procedureNext = true
        break
      }
      if (columns > 0) {
        const grid: PlateGrid = {title: takeTitle(), columns, rows: []}
        let row: string | undefined
        pos++
        while (pos < block.length) {
          const rowCells = block[pos].split('\t')
          const first = rowCells[0].trim()
          if (!(first === '' ? row !== undefined : ROW_NAME.test(first)) || gridColumns(rowCells) > 0) break
          if (first !== '') row = first
          if (truncatedEnd && start + pos === lines.length - 1 && rowCells.length < columns + 1) {
            throw new LabmeshError(
              'INVALID_DATA',
              `${fileName}: the file ends inside the ${grid.title ?? 'plate'} grid (row ${row} has ${rowCells.length - 1} of ${columns} columns); the export looks truncated`,
              {subject: fileName},
            )
          }
          const values = rowCells.slice(1, columns + 1)
          while (values.length < columns) values.push('')
          grid.rows.push({row: row!, label: rowCells[columns + 1]?.trim() || undefined, cells: values})
          pos++
        }
        section.grids.push(grid)
        continue
      }
      const firstWell = firstWellColumn(cells)
      if (firstWell > 0) {
        const header = cells.map((c) => c.trim())
        section.wellTables.push({title: takeTitle(), header, firstWell, rows: block.slice(pos + 1).map((l) => l.split('\t'))})
        break
      }
      const temperature = /^Actual Temperature:?\t(.*)$/.exec(line)
      if (temperature) {
        const value = parseNumber(temperature[1])
        if (value === undefined) section.notes.push(line)
        else section.temperatures.push(value)
        pos++
        continue
      }
      if (filled.length >= 3 && pos + 1 < block.length) {
        section.tables.push({title: takeTitle(), header: cells.map((c) => c.trim()), rows: block.slice(pos + 1).map((l) => l.split('\t'))})
        break
      }
      if (filled.length === 1 && !/:$/.test(filled[0]) && cells[0].trim() !== '') {
        if (title !== undefined) section.notes.push(title)
        title = filled[0]
      } else if (filled.length <= 2 && cells[0].trim() !== '') {
        const key = cells[0].trim().replace(/:$/, '')
        if (section.meta.has(key)) section.notes.push(line.trim())
        else section.meta.set(key, cells.slice(1).join('\t').trim())
      } else {
        section.notes.push(line.trim())
      }
      pos++
    }
  }
  if (title !== undefined) section.notes.push(title)
  sections.push(section)
  return sections
}
