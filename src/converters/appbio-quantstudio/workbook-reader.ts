import ExcelJS from 'exceljs'

import type {Cell, QuantStudioExport, Table} from './model.js'

/**
 * The workbook export: one sheet per section, each sheet repeating the experiment header as
 * key/value rows, then the table from its "Well" header row down to the first empty row, then
 * optional key/value rows (Endogenous Control, Reference Sample, ...).
 */
export async function readWorkbookExport(bytes: Buffer): Promise<QuantStudioExport> {
  // A full load, not the streaming reader: that one names sheets "Sheet1"... when the workbook
  // part comes after them in the zip, and sheet names are what say which section a sheet holds.
  const workbook = new ExcelJS.Workbook()
  // exceljs declares its own Buffer type (an ArrayBuffer); hand it exactly the bytes of this one.
  await workbook.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
  const header = new Map<string, string>()
  const tables = new Map<string, Table>()

  for (const sheet of workbook.worksheets) {
    // Sheet values: a sparse array by row number of sparse arrays by column number, both from 1.
    const sheetValues = sheet.getSheetValues()
    const rows: Cell[][] = []
    for (let r = 1; r < sheetValues.length; r++) {
      const values = sheetValues[r]
      rows.push(Array.isArray(values) ? Array.from(values.slice(1), toCell) : [])
    }
    const tableStart = rows.findIndex((row) => typeof row[0] === 'string' && row[0].trim() === 'Well')
    const headerEnd = tableStart < 0 ? rows.length : tableStart
    for (let r = 0; r < headerEnd; r++) {
      const [key, value] = rows[r]
      if (typeof key !== 'string' || key.trim() === '') continue
      const name = key.replace(/^\*\s*/, '').trim()
      if (!header.has(name)) header.set(name, value === undefined ? '' : String(value).trim())
    }
    if (tableStart < 0) continue

    const table: Table = {columns: rows[tableStart].map((c) => (c === undefined ? '' : String(c).trim())), rows: [], notes: new Map()}
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
    tables.set(sheet.name.trim(), table)
  }
  return {header, tables}
}

function isEmpty(row: Cell[]): boolean {
  return row.every((c) => c === undefined)
}

function toCell(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return undefined
  if (typeof value === 'number' || typeof value === 'boolean') return value
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim()
  if (value instanceof Date) return value.toISOString()
  if ('richText' in value) return toCell(value.richText.map((part) => part.text).join(''))
  if ('result' in value) return toCell(value.result as ExcelJS.CellValue)
  if ('formula' in value || 'sharedFormula' in value) return undefined
  if ('text' in value) return toCell(value.text)
  if ('error' in value) return value.error
  return undefined
}
