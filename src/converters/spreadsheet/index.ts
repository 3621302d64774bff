import {LabmeshError} from '../../errors.js'
import type {ConverterInput} from '../types.js'
import {type Cell, openXlsx, type SheetRows, WorkbookLimitError} from './xlsx.js'

export type {Cell, SheetRows} from './xlsx.js'

/**
 * The one way converters read spreadsheets. `.xlsx` goes through the direct cell reader
 * (xlsx.ts): only the sheets a converter names, bounded in size. Legacy `.xls` (BIFF, written by
 * older instrument software) and HTML tables saved as .xls go through SheetJS (`@e965/xlsx`, the maintained 0.20 line; the
 * npm `xlsx` 0.18 has published advisories), loaded only when such a file arrives.
 */
export interface Spreadsheet {
  sheetNames: string[]
  read(wanted?: (name: string) => boolean): SheetRows[] | Promise<SheetRows[]>
}

/** Zip local file header: every .xlsx starts with one. */
export function isXlsx(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === 0x04034b50
}

const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])

/** An HTML table saved with an .xls name, as some instrument software exports "Excel" files. */
export function isHtmlWorkbook(head: Buffer): boolean {
  const start = head.subarray(0, 1024).toString('latin1').trimStart().toLowerCase()
  return (start.startsWith('<html') || start.startsWith('<!doctype html')) && head.includes('<table')
}

/** OLE compound file: the container of .xls workbooks. */
export function isXls(head: Buffer): boolean {
  return head.length >= 8 && head.subarray(0, 8).equals(CFB_SIGNATURE)
}

function unreadable(input: ConverterInput, error: unknown): LabmeshError {
  const reason = (error as Error).message
  return new LabmeshError('INVALID_DATA', `${input.name}: not a readable Excel workbook (${reason})`, {
    subject: input.name,
    cause: error,
    suggestions: error instanceof WorkbookLimitError ? ['export the results in smaller files'] : [],
  })
}

export async function openSpreadsheet(input: ConverterInput): Promise<Spreadsheet> {
  try {
    if (isXls(input.bytes) || isHtmlWorkbook(input.bytes)) return await openSheetJs(input.bytes)
    const workbook = openXlsx(input.bytes)
    return {
      sheetNames: workbook.sheetNames,
      read: (wanted) => {
        try {
          return workbook.read(wanted)
        } catch (error) {
          throw unreadable(input, error)
        }
      },
    }
  } catch (error) {
    throw error instanceof LabmeshError ? error : unreadable(input, error)
  }
}

/** Reads the wanted sheets of a workbook, every error a LabmeshError naming the file. */
export async function readSheets(input: ConverterInput, wanted?: (name: string) => boolean): Promise<SheetRows[]> {
  const workbook = await openSpreadsheet(input)
  try {
    return await workbook.read(wanted)
  } catch (error) {
    throw error instanceof LabmeshError ? error : unreadable(input, error)
  }
}

async function openSheetJs(bytes: Buffer): Promise<Spreadsheet> {
  const XLSX = await import('@e965/xlsx')
  // raw: HTML cells stay as written (SheetJS would otherwise read ": 4" as a date).
  const book = XLSX.read(bytes, {type: 'buffer', dense: true, raw: true, cellText: false, cellHTML: false, cellNF: false, cellDates: true})
  return {
    sheetNames: book.SheetNames,
    read: (wanted) =>
      book.SheetNames.filter((name) => !wanted || wanted(name)).map((name) => {
        const data = (book.Sheets[name]['!data'] ?? []) as ({v?: unknown; t?: string; w?: string} | undefined)[][]
        const rows: Cell[][] = Array.from(data, (row) => Array.from(row ?? [], (cell) => xlsCell(cell)))
        return {name, rows}
      }),
  }
}

function xlsCell(cell: {v?: unknown; t?: string; w?: string} | undefined): Cell {
  if (!cell || cell.v === undefined || cell.v === null) return undefined
  if (cell.t === 'e') return cell.w ?? '#ERROR'
  const v = cell.v
  if (v instanceof Date) return v.toISOString()
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim()
  return typeof v === 'number' || typeof v === 'boolean' ? v : String(v)
}
