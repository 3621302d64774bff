import {LabmeshError} from '../../errors.js'
import {isXls, isXlsx} from '../spreadsheet/index.js'
import {looksBinary} from '../text.js'
import type {Converter, ConverterInput, EngineeredDocument} from '../types.js'
import {buildDocument} from './document.js'
import type {Parsed} from './model.js'
import {readTextSheet, readWorkbookSheets, type Sheet} from './rows.js'
import {scanSheets} from './scan.js'

/** An .xlsx workbook (a zip whose entries include the `xl/` part) or a legacy .xls one. */
function isWorkbook(head: Buffer): boolean {
  return (isXlsx(head) && head.includes('xl/')) || isXls(head)
}

function holdsNumbers(parsed: Parsed): boolean {
  return (
    parsed.reads.some((r) => r.values.some((v) => typeof v.value === 'number')) ||
    parsed.series.length > 0 ||
    parsed.rows.some((r) => Object.values(r.fields).some((f) => typeof f === 'object')) ||
    parsed.header.some((h) => h.quantities.length > 0)
  )
}

/**
 * The fallback for exports no specific converter claims: key/value headers, plate grids of any
 * size, wells-across tables and result tables with a well column, from CSV/TSV/TXT or XLSX.
 */
export const genericConverter: Converter = {
  name: 'generic',
  version: '1.0.0',
  technique: 'plate reader',
  description: 'Any plate reader text or Excel export: header key/values, plate grids and well result tables',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0) return 0
    if (isWorkbook(head)) return 0.1
    return looksBinary(head) ? 0 : 0.1
  },

  async convert(input: ConverterInput): Promise<EngineeredDocument> {
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
    return buildDocument(input, parsed, genericConverter)
  },
}
