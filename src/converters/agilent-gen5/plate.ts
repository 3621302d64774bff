import type {CalculatedValue, IdentifierSequence, Sample} from '../models/common.js'
import type {PlateReaderMeasurement} from '../models/plate-reader.js'
import {parseNumber} from '../numbers.js'
import {wellPosition} from '../wells.js'
import {cubeKind, wellCubes} from './cubes.js'
import {type ChannelMatch, LabelMatcher} from './labels.js'
import type {Procedure, ReadMode} from './procedure.js'
import {type KeyedTable, type PlateGrid, WELL_NAME, type WellTable} from './sections.js'
import {type Cell, readCell, readNumber, UNITLESS} from './values.js'

const MEASURE: Record<ReadMode, {concept: string; unit: string}> = {
  absorbance: {concept: 'absorbance', unit: 'mAU'},
  fluorescence: {concept: 'fluorescence', unit: 'RFU'},
  luminescence: {concept: 'luminescence', unit: 'RLU'},
}

/** Identifiers count up in file order, measurements and calculated values each on their own. */
export interface Identifiers {
  measurement: IdentifierSequence
  calculation: IdentifierSequence
}

/**
 * One plate's readings: a measurement document per well per read channel (endpoint value or datacube) and a
 * calculated data document per calculated value, each naming its well. Results name their channel by label
 * (labels.ts); a label that names no channel is a calculated value.
 */
export class PlateBuilder {
  readonly measurements: PlateReaderMeasurement[] = []
  readonly calculated: CalculatedValue[] = []
  private readonly layout = new Map<string, Record<string, string | number>>()
  private readonly samples = new Map<string, Sample>()
  private readonly controls = new Map<object, PlateReaderMeasurement['settings']>()
  private readonly readingsByWell = new Map<string, Array<{id: string; label: string}>>()
  private readonly pendingCalculated: Array<{well: string; name: string; cell: Cell}> = []
  private readonly labels: LabelMatcher
  private maxRow = -1
  private maxColumn = 0

  constructor(
    private readonly ids: Identifiers,
    procedure: Procedure,
    private readonly plateId: string,
  ) {
    this.labels = new LabelMatcher(procedure.reads)
  }

  /** The "Layout" grid: per well its "Well ID" (the sample identifier) and "Conc/Dil" (standard concentration or dilution). */
  addLayout(grid: PlateGrid) {
    for (const row of grid.rows) {
      const label = row.label ?? 'Well ID'
      row.cells.forEach((raw, c) => this.describe(`${row.row}${c + 1}`, label, raw))
    }
  }

  addWellTable(table: WellTable) {
    const title = table.title ?? table.header[0]
    const match = this.labels.match(title)
    const measure = match ? MEASURE[match.step.mode] : {concept: title, unit: UNITLESS}
    const kind = cubeKind(table)
    for (const {well, cube, errors} of wellCubes(table, measure)) {
      const content = {cube: {kind, cube}, errors: errors.length > 0 ? errors : undefined}
      if (match) {
        this.addMeasurement(well, title, match, {readings: {}, ...content})
      } else {
        this.seeWell(well)
        this.calculated.push({identifier: this.ids.calculation.next(), name: title, sample: this.sample(well), ...content})
      }
    }
  }

  addGrid(grid: PlateGrid) {
    for (const row of grid.rows) {
      const label = row.label ?? grid.title ?? 'Results'
      const match = this.labels.match(label)
      row.cells.forEach((raw, c) => this.addCell(`${row.row}${c + 1}`, label, match, raw))
    }
  }

  /** The sample columns (Well ID, names) of a table whose rows are wells; add them before any reading so samples are complete. */
  describeWellRows(table: KeyedTable, wellColumn: number) {
    table.header.forEach((label, c) => {
      if (c === wellColumn || !this.isDescriptive(table, c)) return
      for (const cells of table.rows) this.describe(cells[wellColumn].trim(), label, cells[c] ?? '')
    })
  }

  /** The reading and result columns of a table whose rows are wells: each column is a label like a grid row's. */
  addWellRows(table: KeyedTable, wellColumn: number) {
    table.header.forEach((label, c) => {
      if (c === wellColumn || this.isDescriptive(table, c)) return
      const match = this.labels.match(label)
      for (const cells of table.rows) this.addCell(cells[wellColumn].trim(), label, match, cells[c] ?? '')
    })
  }

  /** Calculated values name the readings they derive from: those whose label they quote ("Blank 450nm:450"), else all of the well's. */
  finish(): void {
    for (const {well, name, cell} of this.pendingCalculated) {
      const readings = this.readingsByWell.get(well) ?? []
      const quoted = readings.filter((r) => name.includes(r.label))
      this.calculated.push({
        identifier: this.ids.calculation.next(),
        name,
        value: 'value' in cell ? {value: cell.value, unit: cell.unit ?? UNITLESS} : undefined,
        errors: 'error' in cell ? [{error: cell.error, feature: name}] : undefined,
        sample: this.sample(well),
        sources: (quoted.length > 0 ? quoted : readings).map((r) => ({identifier: r.id, feature: r.label})),
      })
    }
    this.pendingCalculated.length = 0
  }

  /** Rows and columns spanned by the wells seen, for plates whose type names no well count. */
  extent(): {rows: number; columns: number} {
    return {rows: this.maxRow + 1, columns: this.maxColumn}
  }

  /** A column without a single number, not named like a read channel, describes the sample (Well ID, name). */
  private isDescriptive(table: KeyedTable, column: number): boolean {
    if (this.labels.match(table.header[column])) return false
    return table.rows.every((cells) => readNumber((cells[column] ?? '').trim()) === undefined)
  }

  private describe(well: string, label: string, raw: string) {
    const text = raw.trim()
    if (text === '') return
    const info = this.layout.get(well) ?? {}
    info[label] = label === 'Well ID' || label === 'Name' ? text : (parseNumber(text) ?? text)
    this.layout.set(well, info)
  }

  private addCell(well: string, label: string, match: ChannelMatch | undefined, raw: string) {
    const cell = readCell(raw)
    if (!cell) return
    if (!match) {
      this.seeWell(well)
      this.pendingCalculated.push({well, name: label, cell})
      return
    }
    const measure = MEASURE[match.step.mode]
    this.addMeasurement(
      well,
      label,
      match,
      'value' in cell
        ? {readings: {[measure.concept]: {value: cell.value, unit: measure.unit}}}
        : {readings: {}, errors: [{error: cell.error, feature: measure.concept}]},
    )
  }

  private addMeasurement(
    well: string,
    label: string,
    match: ChannelMatch,
    content: Pick<PlateReaderMeasurement, 'readings' | 'cube' | 'errors'>,
  ) {
    this.seeWell(well)
    const id = this.ids.measurement.next()
    this.measurements.push({identifier: id, label, sample: this.sample(well), settings: this.settings(match), ...content})
    const readings = this.readingsByWell.get(well) ?? []
    readings.push({id, label})
    this.readingsByWell.set(well, readings)
  }

  // Sample and device control documents are shared by every reading of a well / channel: built once.
  private sample(well: string): Sample {
    const known = this.samples.get(well)
    if (known) return known
    // A layout "Name" row names the sample better than its "Well ID" (SPL1, STD2); the other stays as a property.
    const properties = {...this.layout.get(well)}
    const key = typeof properties['Name'] === 'string' ? 'Name' : typeof properties['Well ID'] === 'string' ? 'Well ID' : undefined
    const identifier = key ? (properties[key] as string) : `${this.plateId} ${well}`
    if (key) delete properties[key]
    const sample: Sample = {identifier, location: well, plate: this.plateId, properties}
    this.samples.set(well, sample)
    return sample
  }

  private settings(match: ChannelMatch): PlateReaderMeasurement['settings'] {
    let settings = this.controls.get(match.channel)
    if (!settings) this.controls.set(match.channel, (settings = {...match.step.settings, ...match.channel.settings}))
    return settings
  }

  private seeWell(well: string) {
    const position = wellPosition(well)
    if (!position) return
    if (position.row > this.maxRow) this.maxRow = position.row
    if (position.column > this.maxColumn) this.maxColumn = position.column
  }
}

/** The "Well" column of a keyed table whose rows are wells ("Well<TAB>Well ID<TAB>450..."), or -1 (curve fits). */
export function wellColumnOf(table: KeyedTable): number {
  if (table.rows.length === 0) return -1
  return table.header.findIndex(
    (name, c) => /^well( position| location)?$/i.test(name) && table.rows.every((cells) => WELL_NAME.test((cells[c] ?? '').trim())),
  )
}
