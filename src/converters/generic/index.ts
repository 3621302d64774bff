import type {BuiltinDocument} from '../models/documents.js'
import {LabmeshError} from '../../errors.js'
import {isXls, isXlsx} from '../spreadsheet/index.js'
import {looksBinary} from '../text.js'
import {type PlateReaderDocument, plateReaderDocument} from '../models/plate-reader.js'
import type {Converter, ConverterInput} from '../types.js'
import type {Parsed} from './model.js'
import {plateReaderRun} from './run.js'
import {readTextSheet, readWorkbookSheets, type Sheet} from './rows.js'
import {scanSheets} from './scan.js'

/** An .xlsx workbook (a zip whose entries include the `xl/` part) or a legacy .xls one. */
function isWorkbook(head: Buffer): boolean {
  return (isXlsx(head) && head.includes('xl/')) || isXls(head)
}

/**
 * Enough evidence to call a file an instrument export: two numbers at least, in plate reads,
 * series, table rows or header values (ten bytes such as "0\t2023-09-" are not one).
 */
function holdsNumbers(parsed: Parsed): boolean {
  let numbers = parsed.series.length * 2
  for (const read of parsed.reads) for (const v of read.values) if (typeof v.value === 'number') numbers++
  for (const row of parsed.rows) for (const field of Object.values(row.fields)) if (typeof field === 'object') numbers++
  // Numbers in keyless text lines ("0 | 2023-09-") are no evidence: they may be any text.
  for (const entry of parsed.header) if (entry.key) numbers += entry.quantities.length
  return numbers >= 2
}

/**
 * The fallback for exports no specific converter claims: key/value headers, plate grids of any
 * size, wells-across tables and result tables with a well column, from CSV/TSV/TXT or XLSX.
 */
export const genericConverter: Converter<BuiltinDocument> = {
  name: 'generic',
  version: '1.0.0',
  technique: 'plate reader',
  description: 'Any plate reader text or Excel export: header key/values, plate grids and well result tables',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0) return 0
    if (isWorkbook(head)) return 0.1
    return looksBinary(head) ? 0 : 0.1
  },

  async convert(input: ConverterInput): Promise<PlateReaderDocument> {
    const {name, bytes} = input
    if (bytes.length === 0)
      throw new LabmeshError('INVALID_DATA', `${name}: the file is empty; expected a text or Excel instrument export`, {subject: name})
    let sheets: Sheet[]
    if (isWorkbook(bytes.subarray(0, 64 * 1024))) {
      sheets = await readWorkbookSheets(input)
    } else if (looksBinary(bytes.subarray(0, 8192))) {
      throw new LabmeshError('INVALID_DATA', `${name}: binary data; expected a text (CSV, TSV, TXT) or Excel instrument export`, {
        subject: name,
      })
    } else sheets = [readTextSheet(bytes)]
    const parsed = scanSheets(sheets)
    if (!holdsNumbers(parsed)) {
      throw new LabmeshError(
        'INVALID_DATA',
        `${name}: no numbers found; expected readings in a plate grid, a result table or header values`,
        {subject: name},
      )
    }
    return plateReaderDocument(input, genericConverter, plateReaderRun(input, parsed))
  },
}
