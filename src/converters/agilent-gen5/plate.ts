import {compact} from '../asm.js'
import {parseNumber} from '../numbers.js'
import {wellPosition} from '../wells.js'
import {cubeKind, wellCubes} from './cubes.js'
import {type ChannelMatch, LabelMatcher} from './labels.js'
import type {Procedure, ReadMode} from './procedure.js'
import {type KeyedTable, type PlateGrid, WELL_NAME, type WellTable} from './sections.js'
import {type Cell, readCell, readNumber, UNITLESS} from './values.js'

export type Doc = Record<string, unknown>

const MEASURE: Record<ReadMode, {concept: string; unit: string}> = {
  absorbance: {concept: 'absorbance', unit: 'mAU'},
  fluorescence: {concept: 'fluorescence', unit: 'RFU'},
  luminescence: {concept: 'luminescence', unit: 'RLU'},
}

/** Identifiers count up in file order, so converting the same file twice gives the same document. */
export class Identifiers {
  private measurements = 0
  private calculated = 0

  constructor(private readonly fileName: string) {}

  measurement(): string {
    return `${this.fileName}_${++this.measurements}`
  }

  calculation(): string {
    return `${this.fileName}_calculated_${++this.calculated}`
  }
}

/**
 * One plate's readings: a measurement document per well per read channel (endpoint value or datacube) and a
 * calculated data document per calculated value, each naming its well. Results name their channel by label
 * (labels.ts); a label that names no channel is a calculated value.
 */
export class PlateBuilder {
  readonly measurements: Doc[] = []
  readonly calculated: Doc[] = []
  private readonly layout = new Map<string, Doc>()
  private readonly samples = new Map<string, Doc>()
  private readonly controls = new Map<object, Doc>()
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
      const content: Doc = {[kind]: cube}
      if (errors.length > 0) content['error aggregate document'] = {'error document': errors}
      if (match) {
        this.addMeasurement(well, title, match, content)
      } else {
        this.seeWell(well)
        this.calculated.push({
          'calculated data identifier': this.ids.calculation(),
          'calculated data name': title,
          'sample document': this.sample(well),
          ...content,
        })
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
      const sources = (quoted.length > 0 ? quoted : readings).map((r) => ({'data source identifier': r.id, 'data source feature': r.label}))
      const document: Doc = {'calculated data identifier': this.ids.calculation(), 'calculated data name': name}
      if ('value' in cell) document['calculated result'] = {value: cell.value, unit: cell.unit ?? UNITLESS}
      else document['error aggregate document'] = {'error document': [{error: cell.error, 'error feature': name}]}
      document['sample document'] = this.sample(well)
      if (sources.length > 0) document['data source aggregate document'] = {'data source document': sources}
      this.calculated.push(document)
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
    const reading: Doc =
      'value' in cell
        ? {[measure.concept]: {value: cell.value, unit: measure.unit}}
        : {'error aggregate document': {'error document': [{error: cell.error, 'error feature': measure.concept}]}}
    this.addMeasurement(well, label, match, reading)
  }

  private addMeasurement(well: string, label: string, match: ChannelMatch, content: Doc) {
    this.seeWell(well)
    const id = this.ids.measurement()
    this.measurements.push({
      'measurement identifier': id,
      'measurement label': label,
      'sample document': this.sample(well),
      'device control aggregate document': this.deviceControl(match),
      ...content,
    })
    const readings = this.readingsByWell.get(well) ?? []
    readings.push({id, label})
    this.readingsByWell.set(well, readings)
  }

  // Sample and device control documents are shared by every reading of a well / channel: built once.
  private sample(well: string): Doc {
    const known = this.samples.get(well)
    if (known) return known
    // A layout "Name" row names the sample better than its "Well ID" (SPL1, STD2); the other stays as a property.
    const info = {...this.layout.get(well)}
    const key = typeof info['Name'] === 'string' ? 'Name' : typeof info['Well ID'] === 'string' ? 'Well ID' : undefined
    const identifier = key ? (info[key] as string) : `${this.plateId} ${well}`
    if (key) delete info[key]
    const document = compact({
      'sample identifier': identifier,
      'location identifier': well,
      'well plate identifier': this.plateId,
      ...info,
    })
    this.samples.set(well, document)
    return document
  }

  private deviceControl(match: ChannelMatch): Doc {
    let document = this.controls.get(match.channel)
    if (!document) {
      document = {'device control document': [{'device type': 'plate reader', ...match.step.settings, ...match.channel.settings}]}
      this.controls.set(match.channel, document)
    }
    return document
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
