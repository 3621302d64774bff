import {readSheets} from '../spreadsheet/index.js'
import type {ConverterInput} from '../types.js'
import type {Cell, QuantStudioExport, Table} from './model.js'

/**
 * The workbook export: one sheet per section, each sheet repeating the experiment header as
 * key/value rows, then the table from its "Well" header row down to the first empty row, then
 * optional key/value rows (Endogenous Control, Reference Sample, ...).
 */
export interface WorkbookLayout {
  /** The first header cell of a sheet's table. */
  firstColumn: (cell: string) => boolean
  /** Sheet and column names as the qPCR document builder knows them. */
  sheetName: (name: string) => string
  columnName: (name: string) => string
}

const CLASSIC_LAYOUT: WorkbookLayout = {firstColumn: (cell) => cell === 'Well', sheetName: (name) => name, columnName: (name) => name}

export async function readWorkbookExport(input: ConverterInput, layout: WorkbookLayout = CLASSIC_LAYOUT): Promise<QuantStudioExport> {
  const header = new Map<string, string>()
  const tables = new Map<string, Table>()

  for (const sheet of await readSheets(input)) {
    const rows: Cell[][] = sheet.rows.map((row) => Array.from(row))
    const tableStart = rows.findIndex((row) => typeof row[0] === 'string' && layout.firstColumn(row[0].trim()) && row.length > 2)
    const headerEnd = tableStart < 0 ? rows.length : tableStart
    for (let r = 0; r < headerEnd; r++) {
      const [key, value] = rows[r]
      if (typeof key !== 'string' || key.trim() === '') continue
      const name = key.replace(/^\*\s*/, '').trim()
      if (!header.has(name)) header.set(name, value === undefined ? '' : String(value).trim())
    }
    if (tableStart < 0) continue

    const table: Table = {
      columns: rows[tableStart].map((c) => (c === undefined ? '' : layout.columnName(String(c).trim()))),
      rows: [],
      notes: new Map(),
    }
    let r = tableStart + 1
    for (; r < rows.length && !isEmpty(rows[r]); r++) table.rows.push(rows[r])
    for (; r < rows.length; r++) {
      if (isEmpty(rows[r])) continue
      const [key, ...rest] = rows[r]
      table.notes.set(
        String(key ?? `row ${r + 1}`).trim(),
        rest
          .filter((c) => c !== undefined)
          .map(String)
          .join(' '),
      )
    }
    tables.set(layout.sheetName(sheet.name.trim()), table)
  }
  return {header, tables}
}

function isEmpty(row: Cell[]): boolean {
  return row.every((c) => c === undefined)
}
