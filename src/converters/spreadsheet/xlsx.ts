import {StringDecoder} from 'node:string_decoder'

import {type ZipEntry, zipEntries, zipEntryChunks, zipEntryHead, zipEntryText} from './zip.js'

/**
 * Cells of an .xlsx workbook, read straight from its XML parts: only the sheets asked for, no
 * styles beyond the number formats that mark dates. Instrument exports are plain tables of
 * values, so this reads them about ten times faster than a general workbook library. A sheet's
 * XML is inflated and parsed a run of rows at a time, so memory holds the cells, never the XML,
 * and a sheet past the limits is refused as soon as they are crossed (at once when its declared
 * dimension says so).
 */
export type Cell = string | number | boolean | undefined

export interface SheetRows {
  name: string
  /** Rows from the first (index 0 is row 1), each a sparse array of cells from column A. */
  rows: Cell[][]
}

export interface XlsxLimits {
  /** Largest part read whole (workbook, shared strings, styles), and most XML one sheet may stream, in bytes. */
  maxPartBytes: number
  /** Most cells read over all sheets. */
  maxCells: number
  /** Last row of a sheet that may hold a value. */
  maxRows: number
}

/**
 * The largest real export here (a QuantStudio Design & Analysis workbook) holds 360,000 cells in
 * 32,000 rows. Past half a million rows of even two columns, any document made of the rows is
 * past the 128 MiB limit of one engineered document (the generic converter writes about 290
 * bytes of JSON per row), so reading further only delays the refusal.
 */
export const XLSX_LIMITS: XlsxLimits = {maxPartBytes: 256 * 1024 * 1024, maxCells: 2_000_000, maxRows: 500_000}

export class WorkbookLimitError extends Error {}

const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g
const NAMED: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"}

function unescapeXml(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(ENTITY, (_m, name: string | undefined, dec: string | undefined, hex: string | undefined) =>
    name ? NAMED[name] : String.fromCodePoint(dec ? Number(dec) : parseInt(hex!, 16)),
  )
}

// One pattern per attribute name, built once: cells are read by the million.
const ATTRIBUTE_PATTERNS = new Map<string, RegExp>()

function attribute(attributes: string, name: string): string | undefined {
  // A search for ` name="` first: a name appears once in an element and a value holds no quote, so a
  // match is the attribute. The pattern only for other spacing (a tab or line break before the name).
  const at = attributes.indexOf(` ${name}="`)
  if (at >= 0) {
    const start = at + name.length + 3
    const end = attributes.indexOf('"', start)
    if (end >= 0) return unescapeXml(attributes.slice(start, end))
  }
  let pattern = ATTRIBUTE_PATTERNS.get(name)
  if (!pattern) ATTRIBUTE_PATTERNS.set(name, (pattern = new RegExp(`(?:^|\\s)${name}="([^"]*)"`)))
  const m = pattern.exec(attributes)
  return m ? unescapeXml(m[1]) : undefined
}

/** The text runs of a shared or inline string (`<t>` elements, rich text or plain). */
function stringText(xml: string): string {
  let text = ''
  const re = /<t(?:\s[^>]*)?>([^<]*)<\/t>/g
  let m: RegExpExecArray | null
  while ((m = re.exec(xml))) text += m[1]
  return unescapeXml(text)
}

/** Excel's built-in date and time formats, and custom formats made of date letters. */
const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47])

function dateStyles(stylesXml: string | undefined): Set<number> {
  const dates = new Set<number>()
  if (!stylesXml) return dates
  const custom = new Map<number, string>()
  for (const m of stylesXml.matchAll(/<numFmt\b([^>]*)\/?>/g)) {
    const id = Number(attribute(m[1], 'numFmtId'))
    custom.set(id, attribute(m[1], 'formatCode') ?? '')
  }
  const cellXfs = /<cellXfs\b[^>]*>([\s\S]*?)<\/cellXfs>/.exec(stylesXml)?.[1] ?? ''
  let index = 0
  for (const m of cellXfs.matchAll(/<xf\b([^>]*)>/g)) {
    const id = Number(attribute(m[1], 'numFmtId') ?? 0)
    const code = (custom.get(id) ?? '').replace(/"[^"]*"|\[[^\]]*\]|\\./g, '')
    if (BUILTIN_DATE_FORMATS.has(id) || /[dmyhs]/i.test(code)) dates.add(index)
    index++
  }
  return dates
}

const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30)
const EXCEL_1904_OFFSET_DAYS = 1462

function serialDate(serial: number, date1904: boolean): string {
  const days = serial + (date1904 ? EXCEL_1904_OFFSET_DAYS : 0)
  return new Date(EXCEL_EPOCH_MS + Math.round(days * 86_400_000)).toISOString()
}

function columnIndex(ref: string): number {
  let column = 0
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i)
    if (code < 65 || code > 90) break
    column = column * 26 + code - 64
  }
  return column - 1
}

export interface XlsxWorkbook {
  sheetNames: string[]
  /** Reads the named sheets (all when `wanted` is undefined), in workbook order. */
  read(wanted?: (name: string) => boolean): Promise<SheetRows[]>
}

export function openXlsx(bytes: Buffer, limits: XlsxLimits = XLSX_LIMITS): XlsxWorkbook {
  const entries = zipEntries(bytes)
  const part = (name: string): string | undefined => {
    const entry = entries.get(name)
    return entry ? zipEntryText(bytes, entry, limits.maxPartBytes) : undefined
  }
  const workbookXml = part('xl/workbook.xml')
  if (workbookXml === undefined) throw new Error('no xl/workbook.xml part: not an Excel workbook')
  const targets = new Map<string, string>()
  for (const m of (part('xl/_rels/workbook.xml.rels') ?? '').matchAll(/<Relationship\b([^>]*)\/?>/g)) {
    const id = attribute(m[1], 'Id')
    const target = attribute(m[1], 'Target')
    if (id && target) targets.set(id, target.startsWith('/') ? target.slice(1) : `xl/${target}`)
  }
  const sheets: {name: string; entry?: ZipEntry}[] = []
  for (const m of workbookXml.matchAll(/<sheet\b([^>]*)\/?>/g)) {
    const name = attribute(m[1], 'name') ?? `Sheet${sheets.length + 1}`
    const target = targets.get(attribute(m[1], 'r:id') ?? '') ?? `xl/worksheets/sheet${sheets.length + 1}.xml`
    sheets.push({name, entry: entries.get(target)})
  }
  const date1904 = /<workbookPr\b[^>]*\bdate1904="(1|true)"/.test(workbookXml)
  let shared: string[] | undefined
  let dates: Set<number> | undefined
  let cells = 0

  return {
    sheetNames: sheets.map((s) => s.name),
    async read(wanted) {
      const out: SheetRows[] = []
      for (const sheet of sheets) {
        if (wanted && !wanted(sheet.name)) continue
        if (!sheet.entry) throw new Error(`the sheet "${sheet.name}" has no part in the archive`)
        shared ??= [...(part('xl/sharedStrings.xml') ?? '').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => stringText(m[1]))
        dates ??= dateStyles(part('xl/styles.xml'))
        const parser = new SheetParser(sheet.name, shared, dates, date1904, limits, () => {
          if (++cells > limits.maxCells) throw new WorkbookLimitError(`more than ${limits.maxCells} cells`)
        })
        await parser.read(zipEntryChunks(bytes, sheet.entry))
        out.push({name: sheet.name, rows: parser.rows})
      }
      return out
    },
  }
}

const ROW_OR_CELL = /<row\b([^>]*?)(\/?)>|<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g
/** A row's XML larger than this is no instrument export's: refused rather than held. */
const MAX_ROW_XML = 16 * 1024 * 1024
const ROW_END = '</row>'

/** The cells of one sheet, from its XML fed in runs of whole rows. */
class SheetParser {
  readonly rows: Cell[][] = []
  private row: Cell[] | undefined
  private rowIndex = -1
  /** The last row element seen, valued or not. */
  private lastRow = -1
  private nextColumn = 0

  constructor(
    private readonly name: string,
    private readonly shared: string[],
    private readonly dates: Set<number>,
    private readonly date1904: boolean,
    private readonly limits: XlsxLimits,
    private readonly count: () => void,
  ) {}

  /** Reads the sheet's XML as it inflates; only the rows not yet complete are held as text. */
  async read(chunks: AsyncIterable<Buffer>): Promise<void> {
    const decoder = new StringDecoder('utf8')
    let pending = ''
    let inflated = 0
    let inData = false
    for await (const chunk of chunks) {
      inflated += chunk.length
      if (inflated > this.limits.maxPartBytes) {
        throw new WorkbookLimitError(`the sheet "${this.name}" holds more than ${this.limits.maxPartBytes} bytes of XML`)
      }
      pending += decoder.write(chunk)
      if (!inData) {
        const data = pending.indexOf('<sheetData')
        if (data >= 0) {
          this.checkDimension(pending.slice(0, data))
          pending = pending.slice(data)
          inData = true
        }
      }
      const end = inData ? pending.lastIndexOf(ROW_END) : -1
      if (end >= 0) {
        this.parse(pending.slice(0, end + ROW_END.length))
        pending = pending.slice(end + ROW_END.length)
      }
      if (pending.length > MAX_ROW_XML)
        throw new WorkbookLimitError(`the sheet "${this.name}" has a row of more than ${MAX_ROW_XML} bytes of XML`)
    }
    if (inData) this.parse(pending + decoder.end())
    // Empty rows run on to the last row element (within the row limit): converters read every row a sheet has.
    const length = Math.max(this.rows.length, Math.min(this.lastRow + 1, this.limits.maxRows))
    for (let r = 0; r < length; r++) this.rows[r] ??= []
  }

  /** A sheet whose declared dimension (`A1:B1000001`) reaches past the row limit is refused before its rows are read. */
  private checkDimension(head: string): void {
    const ref = /<dimension\b[^>]*\bref="[A-Z]*\d*:?[A-Z]*(\d+)"/.exec(head)
    const lastRow = ref ? Number(ref[1]) : 0
    if (lastRow > this.limits.maxRows) {
      throw new WorkbookLimitError(
        `the sheet "${this.name}" declares ${lastRow} rows, more than the ${this.limits.maxRows} one document may hold`,
      )
    }
  }

  private parse(xml: string): void {
    ROW_OR_CELL.lastIndex = 0
    let m: RegExpExecArray | null
    while ((m = ROW_OR_CELL.exec(xml))) {
      if (m[1] !== undefined) {
        const r = attribute(m[1], 'r')
        this.rowIndex = r === undefined ? this.rowIndex + 1 : Number(r) - 1
        this.lastRow = Math.max(this.lastRow, this.rowIndex)
        this.row = undefined
        this.nextColumn = 0
        continue
      }
      const attributes = m[3]
      const ref = attribute(attributes, 'r')
      const column = ref === undefined ? this.nextColumn : columnIndex(ref)
      this.nextColumn = column + 1
      const value = this.value(attributes, m[4])
      if (value === undefined) continue
      this.count()
      if (!this.row) {
        // Rows are kept from their first value: empty rows past the row limit cost nothing.
        if (this.rowIndex >= this.limits.maxRows) {
          throw new WorkbookLimitError(
            `the sheet "${this.name}" has values past row ${this.limits.maxRows}, more than one document may hold`,
          )
        }
        this.row = this.rows[this.rowIndex] = []
      }
      this.row[column] = value
    }
  }

  private value(attributes: string, body: string | undefined): Cell {
    if (body === undefined) return undefined
    const type = attribute(attributes, 't') ?? 'n'
    let value: Cell
    if (type === 'inlineStr') value = stringText(body)
    else {
      const v = /<v>([^<]*)<\/v>/.exec(body)?.[1]
      if (v === undefined) return undefined
      if (type === 's') value = this.shared[Number(v)]
      else if (type === 'str' || type === 'e' || type === 'd') value = unescapeXml(v)
      else if (type === 'b') value = v === '1'
      else {
        const n = Number(v)
        const style = attribute(attributes, 's')
        value = style !== undefined && this.dates.has(Number(style)) ? serialDate(n, this.date1904) : n
      }
    }
    if (typeof value === 'string') value = value.trim() || undefined
    return value
  }
}

/** What content detection needs of a whole workbook: sheet names and the text of its strings. */
export interface WorkbookSummary {
  sheetNames: string[]
  /** Shared strings and the inline strings of each sheet's first rows, XML entities decoded. */
  text: string
}

const SUMMARY_PART_BYTES = 64 * 1024 * 1024
const SUMMARY_SHEET_HEAD = 64 * 1024

/** Undefined when the bytes are not a complete workbook (a head only, or damaged). */
export function summariseXlsx(bytes: Buffer): WorkbookSummary | undefined {
  try {
    const entries = zipEntries(bytes)
    const workbookEntry = entries.get('xl/workbook.xml')
    if (!workbookEntry) return undefined
    const workbookXml = zipEntryText(bytes, workbookEntry, SUMMARY_PART_BYTES)
    const sheetNames = [...workbookXml.matchAll(/<sheet\b([^>]*)\/?>/g)].map((m) => attribute(m[1], 'name') ?? '')
    const parts: string[] = []
    const shared = entries.get('xl/sharedStrings.xml')
    if (shared)
      parts.push(...[...zipEntryText(bytes, shared, SUMMARY_PART_BYTES).matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => stringText(m[1])))
    for (const [name, entry] of entries) {
      if (!name.startsWith('xl/worksheets/sheet')) continue
      const head = zipEntryHead(bytes, entry, SUMMARY_SHEET_HEAD, SUMMARY_PART_BYTES)
      for (const m of head.matchAll(/<is>([\s\S]*?)<\/is>/g)) parts.push(stringText(m[1]))
    }
    return {sheetNames, text: parts.join('\n')}
  } catch {
    return undefined
  }
}
