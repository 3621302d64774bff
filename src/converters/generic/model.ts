import type {Quantity} from '../types.js'
import type {Technique} from './units.js'

/**
 * What the generic converter finds in a file, before it becomes an ASM document: header
 * key/values, per-well reads (plate grids and result tables), per-well series (kinetic and
 * spectrum tables) and rows of tables that name no well.
 */
export interface HeaderEntry {
  /** The key as the file spells it; '' for a line that is only text. */
  key: string
  text: string
  quantities: Quantity[]
}

/** A setting of one read, e.g. the temperature or elapsed time printed beside a plate block. */
export interface ReadSetting {
  name: string
  quantity: Quantity
}

export interface WellValue {
  well: string
  plate?: string
  /** A number, or the file's text for a reading that is not one ("OVRFLW", "?????"). */
  value: number | string
  /** The value's own unit where the file gives one per row (a "Unit" column); else the read's. */
  unit?: string
}

/**
 * One read over a plate: a grid (or one sub-row of a grid), or one column of a result table.
 * `annotation` reads describe samples (plate layouts, sample names) instead of measuring them.
 */
export interface PlateRead {
  title: string
  label: string
  kind: 'measurement' | 'calculated' | 'annotation'
  technique?: Technique
  unit: string
  settings: ReadSetting[]
  values: WellValue[]
  /** A column of a result table rather than a plate grid or wells-across table. */
  fromTable?: boolean
}

export interface SeriesColumn {
  name: string
  unit: string
  values: (number | null)[]
}

/** Readings of many wells along one dimension (time or wavelength): one datacube per well. */
export interface WellSeries {
  title: string
  plate?: string
  technique?: Technique
  unit: string
  /** Settings of the whole series, e.g. the wavelength its title gives. */
  settings: ReadSetting[]
  dimension: SeriesColumn
  /** Columns shared by all wells, e.g. the temperature at each time point. */
  shared: SeriesColumn[]
  wells: Map<string, (number | null)[]>
  errors: Map<string, string[]>
}

/** A row of a table that names no well: kept field by field with units from its header. */
export interface TableRow {
  table: string
  index: number
  fields: Record<string, Quantity | string>
}

export interface Parsed {
  header: HeaderEntry[]
  reads: PlateRead[]
  series: WellSeries[]
  rows: TableRow[]
  /** Largest row index (0-based) and column number any plate structure used: the plate size. */
  maxRow: number
  maxColumn: number
}
