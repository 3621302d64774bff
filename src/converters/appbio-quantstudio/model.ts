import {parseNumber} from '../numbers.js'

/**
 * A QuantStudio export read from either container (tab text or workbook) into one shape: the
 * `* key = value` experiment header, the named tables ([Sample Setup], [Results], ...) and the
 * `key = value` lines some tables carry below them (Endogenous Control, Reference Sample, ...).
 */

/** A cell as read: text from the tab export, typed values from the workbook, undefined when empty. */
export type Cell = string | number | boolean | undefined

export interface Table {
  columns: string[]
  rows: Cell[][]
  /** `key = value` lines after the table (the [Results] analysis settings). */
  notes: Map<string, string>
}

export interface QuantStudioExport {
  header: Map<string, string>
  tables: Map<string, Table>
}

/** Section names as the software writes them. */
export const SECTION = {
  sampleSetup: 'Sample Setup',
  rawData: 'Raw Data',
  amplification: 'Amplification Data',
  multicomponent: 'Multicomponent Data',
  results: 'Results',
  meltCurve: 'Melt Curve Raw Data',
} as const

/** Most cells are plain decimals; they skip the general parser (thousands separators, commas). */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/

export function cellNumber(cell: Cell): number | undefined {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : undefined
  if (typeof cell === 'string') return PLAIN_NUMBER.test(cell) ? Number(cell) : parseNumber(cell)
  return undefined
}

export function cellText(cell: Cell): string {
  if (cell === undefined) return ''
  return typeof cell === 'string' ? cell.trim() : String(cell)
}

/** "true"/"false" as the software writes them, or a workbook boolean. */
export function cellBoolean(cell: Cell): boolean | undefined {
  if (typeof cell === 'boolean') return cell
  const text = cellText(cell).toLowerCase()
  return text === 'true' ? true : text === 'false' ? false : undefined
}

/** Column lookup by header name, tolerant of case and surrounding spaces. */
export class Columns {
  private readonly index = new Map<string, number>()

  constructor(readonly names: string[]) {
    names.forEach((name, i) => {
      const key = name.trim().toLowerCase()
      if (!this.index.has(key)) this.index.set(key, i)
    })
  }

  has(name: string): boolean {
    return this.index.has(name.toLowerCase())
  }

  get(row: Cell[], name: string): Cell {
    const i = this.index.get(name.toLowerCase())
    return i === undefined ? undefined : row[i]
  }

  text(row: Cell[], name: string): string {
    return cellText(this.get(row, name))
  }
}
