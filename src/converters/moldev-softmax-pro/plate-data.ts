import {LabmeshError} from '../../errors.js'
import {normaliseWell, rowName} from '../wells.js'
import {parseNumber} from '../numbers.js'
import {cells, isBlank} from './blocks.js'
import {parsePlateHeader, type PlateHeader} from './plate-header.js'

/** One read of a channel: a kinetic time point, a spectrum wavelength, or the single endpoint read. */
export interface Read {
  /** Elapsed time in s (kinetic) or wavelength in nm (spectrum), as the row label says. */
  label?: number
  temperature?: number
}

/** All reads at one wavelength setting (one column group in PlateFormat, one section in TimeFormat). */
export interface Channel {
  reads: Read[]
  /** values[read][well index]: the cell text, undefined where the export has no cell at all. */
  values: (string | undefined)[][]
}

export interface Plate {
  header: PlateHeader
  /** Wells in export order; channel values are indexed the same way. */
  wells: string[]
  channels: Channel[]
  /** Reduced values (SoftMax's plate reduction, e.g. a wavelength difference or a kinetic slope). */
  reduced: {well: string; value: string}[]
}

/** Reads a Plate block: its header line, the raw grid(s), then the optional reduced grid. */
export function parsePlate(fileName: string, lines: string[], closed = true): Plate {
  const header = parsePlateHeader(fileName, lines[0])
  const reader = new LineReader(fileName, header.name, lines, 1)
  reader.skipBlank()
  const columns = cells(reader.next('the column header line'))
  const plate: Plate = {header, wells: [], channels: [], reduced: []}
  // A Reduced-only export has no time/temperature header: its first line is already the reduced header.
  const headerIsReduced = columns[0] === '' && columns[1] === ''
  const raw = !headerIsReduced && hasRawData(reader, columns)
  if (!raw && !closed) reader.fail('the file ends after the column header, without "~End": the plate data is truncated')
  if (header.exportFormat === 'PlateFormat') {
    const groups = columnGroups(columns)
    if (groups.length === 0) reader.fail('no column numbers in the column header line')
    const rows = plateRows(reader, header, groups[0].length)
    plate.wells = gridWells(rows, groups[0])
    if (raw) readPlateFormat(reader, plate, groups, rows)
    readReducedGrid(reader, plate, rows, headerIsReduced ? columns : undefined)
  } else {
    const positions = timeColumns(columns)
    if (positions.length === 0) reader.fail('no well names in the column header line')
    plate.wells = positions.map((p) => p.well)
    if (raw) readTimeFormat(reader, plate, positions)
    readReducedRow(reader, plate, headerIsReduced ? columns : undefined)
  }
  reader.skipBlank()
  if (!reader.done()) reader.fail(`unexpected line "${reader.peek()?.slice(0, 40)}" after the plate data`)
  return plate
}

/** Raw rows follow the column header unless the next line is already the reduced header (or nothing). */
function hasRawData(reader: LineReader, columns: string[]): boolean {
  const line = reader.peekNonBlank()
  if (line === undefined) return false
  const c = cells(line)
  return !(c[0] === '' && c[1] === '' && c[2] === columns[2] && c[3] === columns[3])
}

/** Endpoint plates hold one read per channel; kinetic and spectrum plates one per time point or wavelength. */
function readsPerChannel(header: PlateHeader): number {
  return header.readType === 'Endpoint' ? 1 : Math.max(1, header.kineticPoints ?? 1)
}

function gridWells(rows: number, columns: Column[]): string[] {
  const wells: string[] = []
  for (let row = 0; row < rows; row++) {
    for (const column of columns) {
      const well = normaliseWell(`${rowName(row)}${column.label}`)
      if (well) wells.push(well)
    }
  }
  return wells
}

function readPlateFormat(reader: LineReader, plate: Plate, groups: Column[][], rows: number): void {
  const wellIndex = new Map(plate.wells.map((well, k) => [well, k]))
  const positions: {row: number; group: number; cell: number; well: number}[] = []
  for (let row = 0; row < rows; row++) {
    groups.forEach((group, g) => {
      for (const column of group) {
        const index = wellIndex.get(normaliseWell(`${rowName(row)}${column.label}`) ?? '')
        if (index !== undefined) positions.push({row, group: g, cell: column.cell, well: index})
      }
    })
  }
  plate.channels = groups.map(() => ({reads: [], values: []}))
  const reads = readsPerChannel(plate.header)
  for (let r = 0; r < reads; r++) {
    // Later sections follow a separator line; the first row of each section carries its time or wavelength.
    if (r > 0) reader.skipBlank()
    const grid: string[][] = []
    for (let row = 0; row < rows; row++) grid.push(cells(reader.next(`row ${rowName(row)} of read ${r + 1}`)))
    const label = readLabel(plate.header, grid[0][0] ?? '')
    const temperature = grid.map((c) => parseNumber(c[1])).find((t) => t !== undefined)
    for (const channel of plate.channels) {
      channel.reads.push({label, temperature})
      channel.values.push(Array.from({length: plate.wells.length}))
    }
    for (const p of positions) plate.channels[p.group].values[r][p.well] = grid[p.row][p.cell]
  }
}

/** TimeFormat columns: well names after the time and temperature cells. */
function timeColumns(columns: string[]): {cell: number; well: string}[] {
  const positions: {cell: number; well: string}[] = []
  for (let cell = 2; cell < columns.length; cell++) {
    const well = normaliseWell(columns[cell])
    if (well) positions.push({cell, well})
  }
  return positions
}

function readTimeFormat(reader: LineReader, plate: Plate, positions: {cell: number}[]): void {
  const channelCount = plate.header.readType === 'Spectrum' ? 1 : Math.max(1, plate.header.wavelengths.length)
  const reads = readsPerChannel(plate.header)
  for (let ch = 0; ch < channelCount; ch++) {
    reader.skipBlank()
    const channel: Channel = {reads: [], values: []}
    for (let r = 0; r < reads; r++) {
      const c = cells(reader.next(`read ${r + 1} of wavelength ${ch + 1}`))
      channel.reads.push({label: readLabel(plate.header, c[0] ?? ''), temperature: parseNumber(c[1])})
      channel.values.push(positions.map((p) => c[p.cell]))
    }
    plate.channels.push(channel)
  }
}

/** PlateFormat reduced data: a header of column numbers, then one line per plate row. */
function readReducedGrid(reader: LineReader, plate: Plate, rows: number, headerColumns?: string[]): void {
  const columns = headerColumns ?? reducedHeader(reader)
  if (!columns) return
  const [group] = columnGroups(columns)
  if (!group) reader.fail('no column numbers in the reduced data header')
  for (let row = 0; row < rows; row++) {
    const c = cells(reader.next(`row ${rowName(row)} of the reduced data`))
    for (const column of group) {
      const well = normaliseWell(`${rowName(row)}${column.label}`)
      const value = c[column.cell]
      if (well && value) plate.reduced.push({well, value})
    }
  }
}

/** TimeFormat reduced data: a header of well names, then one line of values. */
function readReducedRow(reader: LineReader, plate: Plate, headerColumns?: string[]): void {
  const columns = headerColumns ?? reducedHeader(reader)
  if (!columns) return
  const c = cells(reader.next('the reduced data line'))
  for (let cell = 2; cell < columns.length; cell++) {
    const well = normaliseWell(columns[cell])
    const value = c[cell]
    if (well && value) plate.reduced.push({well, value})
  }
}

/** The reduced data header starts with two empty cells, where raw data has a time and a temperature. */
function reducedHeader(reader: LineReader): string[] | undefined {
  reader.skipBlank()
  const line = reader.peek()
  if (line === undefined) return undefined
  const c = cells(line)
  if (c[0] !== '' || c[1] !== '' || !c.slice(2).some((x) => x !== ''))
    reader.fail(`expected the reduced data header, found "${line.slice(0, 40)}"`)
  reader.next('the reduced data header')
  return c
}

interface Column {
  cell: number
  label: string
}

/** Column numbers after the two leading cells, split into one group per wavelength at each empty cell. */
function columnGroups(columns: string[]): Column[][] {
  const groups: Column[][] = [[]]
  for (let cell = 2; cell < columns.length; cell++) {
    if (columns[cell] === '') groups.push([])
    else groups.at(-1)!.push({cell, label: columns[cell]})
  }
  return groups.filter((g) => g.length > 0)
}

/** PlateFormat always prints the whole plate: well count divided by the printed column count. */
function plateRows(reader: LineReader, header: PlateHeader, columnsPerRow: number): number {
  const rows = (header.numWells ?? 0) / columnsPerRow
  if (!Number.isInteger(rows) || rows < 1)
    reader.fail(`${header.numWells ?? 'no'} wells cannot be laid out in rows of ${columnsPerRow} columns`)
  return rows
}

/** Kinetic rows are labelled with elapsed time ("00:01:30", "1:00"), spectrum rows with a wavelength. */
function readLabel(header: PlateHeader, raw: string): number | undefined {
  if (raw === '') return undefined
  if (header.readType === 'Kinetic' && raw.includes(':')) {
    const parts = raw.split(':').map((p) => parseNumber(p))
    if (parts.some((p) => p === undefined)) return undefined
    return (parts as number[]).reduce((total, p) => total * 60 + p, 0)
  }
  return parseNumber(raw)
}

class LineReader {
  constructor(
    private readonly fileName: string,
    private readonly plateName: string,
    private readonly lines: string[],
    private index: number,
  ) {}

  peek(): string | undefined {
    return this.lines[this.index]
  }

  done(): boolean {
    return this.index >= this.lines.length
  }

  next(what: string): string {
    const line = this.lines[this.index]
    if (line === undefined) this.fail(`expected ${what} but the block ends: the plate data is truncated`)
    this.index++
    return line
  }

  /** The next line with content, without consuming anything. */
  peekNonBlank(): string | undefined {
    let k = this.index
    while (k < this.lines.length && isBlank(this.lines[k])) k++
    return this.lines[k]
  }

  skipBlank(): void {
    while (this.index < this.lines.length && isBlank(this.lines[this.index])) this.index++
  }

  fail(message: string): never {
    throw new LabmeshError('INVALID_DATA', `${this.fileName}: plate ${this.plateName}: ${message}`, {subject: this.fileName})
  }
}
