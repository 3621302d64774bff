import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {compact, optionalQuantity, quantity} from './asm.js'
import {type CustomInformation, IdentifierSequence} from './models/common.js'
import {groupByWell, type PlateReaderMeasurement, plateReaderDocument, READING_UNITS} from './models/plate-reader.js'
import {parseNumber} from './numbers.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput, Quantity} from './types.js'
import {splitDelimited} from './delimited.js'
import {rowIndex, rowName} from './wells.js'
import {maxOf} from './arrays.js'

/**
 * BMG LABTECH MARS CSV exports (PHERAstar, CLARIOstar, ...): "Key: value" header cells
 * (User, Path, Test run no., Test name, Date, Time, ID1-ID3), a read-mode line ("Absorbance",
 * "Fluorescence (FI)", "Luminescence"), then one or more titled grids, e.g. "Raw Data (580/620)"
 * followed by a ",1,2,3,..." column header and one line per plate row.
 */
export const bmgMars: Converter<BuiltinDocument> = {
  name: 'bmg-mars',
  version: '1.0.0',
  technique: 'plate reader',
  description: 'BMG LABTECH MARS plate reader CSV exports (absorbance, fluorescence, luminescence grids) as ASM plate reader',
  detect(_name, head) {
    if (head.length === 0 || looksBinary(head)) return 0
    const text = decodeText(head)
    const markers = [/^User: /m, /^Test name: /m, /(^|,)Test run no\.: /m, /(^|,)Date: /m, /^ID1: /m].filter((re) => re.test(text)).length
    const grid = /^,1,2,3/m.test(text)
    if (markers >= 3 && grid) return 0.95
    return markers >= 3 ? 0.6 : 0
  },
  convert(input) {
    return convertMars(input)
  },
}

type ReadType = keyof typeof READING_UNITS

interface Grid {
  title: string
  /** Numbered columns in the header, and row lines read. */
  columns: number
  rows: number
  cells: {row: string; column: number; raw: string}[]
}

function invalid(input: ConverterInput, what: string): LabmeshError {
  return new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
}

function isColumnHeader(cells: string[]): boolean {
  return cells[0].trim() === '' && cells[1]?.trim() === '1' && (cells[2] === undefined || cells[2].trim() === '2' || cells[2].trim() === '')
}

function convertMars(input: ConverterInput) {
  if (input.bytes.length === 0 || looksBinary(input.bytes)) {
    throw invalid(input, 'expected a BMG MARS CSV export, found empty or binary content')
  }
  const text = decodeText(input.bytes)
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()

  const header: Record<string, string> = {}
  const modes: string[] = []
  const grids: Grid[] = []
  const otherLines: string[] = []
  let title: string | undefined
  for (let i = 0; i < lines.length; i++) {
    const cells = splitDelimited(lines[i])
    const filled = cells.map((c) => c.trim()).filter((c) => c !== '')
    if (filled.length === 0) continue
    if (isColumnHeader(cells)) {
      const grid = readGrid(input, lines, i, title ?? 'Data')
      grids.push(grid)
      i += grid.rows
      title = undefined
      continue
    }
    const pairs = filled.map((c) => /^([^:()]+?):\s*(.*)$/.exec(c))
    if (pairs.every((p) => p !== null)) {
      for (const pair of pairs) header[pair![1].trim()] = pair![2].trim()
    } else if (
      filled.length === 1 &&
      grids.length === 0 &&
      title === undefined &&
      /^(absorbance|fluorescence|luminescence|time.resolved|alphascreen)/i.test(filled[0])
    ) {
      modes.push(filled[0])
    } else if (filled.length === 1) {
      title = filled[0]
    } else {
      // Kept verbatim: a layout this converter does not know yet must not vanish from the document.
      otherLines.push(filled.join(','))
    }
  }
  if (grids.length === 0) throw invalid(input, 'no plate grid (a ",1,2,3,..." column header followed by row lines) found')
  for (const grid of grids) if (grid.rows === 0) throw invalid(input, `the grid "${grid.title}" has a column header but no rows`)
  // A file cut off mid-grid ends without a line break on a row shorter than its header.
  const last = lines.at(-1) ?? ''
  if (
    !/\n$/.test(text) &&
    rowIndex(splitDelimited(last)[0].trim(), true) !== undefined &&
    splitDelimited(last).length < grids.at(-1)!.columns + 1
  ) {
    throw invalid(input, 'the last grid row is incomplete: the file looks truncated')
  }
  return buildDocument(input, header, modes, grids, otherLines)
}

function readGrid(input: ConverterInput, lines: string[], headerLine: number, title: string): Grid {
  const headerCells = splitDelimited(lines[headerLine]).map((c) => c.trim())
  const columnNumbers = headerCells.slice(1).map((c) => (c === '' ? undefined : Number(c)))
  const columns = columnNumbers.filter((c) => c !== undefined).length
  const cells: Grid['cells'] = []
  let rows = 0
  for (let i = headerLine + 1; i < lines.length; i++, rows++) {
    const rowCells = splitDelimited(lines[i])
    // 1536-well plates continue after Z with a..f (or AA..AF).
    const index = rowIndex(rowCells[0].trim(), true)
    if (index === undefined) break
    const row = rowName(index)
    rowCells.slice(1).forEach((raw, j) => {
      if (raw.trim() === '') return
      const column = columnNumbers[j]
      if (column === undefined) throw invalid(input, `line ${i + 1} has a value beyond the ${columns} numbered columns of its grid`)
      cells.push({row, column, raw: raw.trim()})
    })
  }
  return {title, columns, rows, cells}
}

/** Standard plate formats by column count; anything else is reported as rows x columns read. */
const PLATE_BY_COLUMNS: Record<number, number> = {3: 6, 4: 12, 6: 24, 8: 48, 12: 96, 24: 384, 48: 1536}

function readTypeOf(modes: string[], title: string): ReadType {
  const text = `${modes.join(' ')} ${title}`
  if (/absorbance/i.test(text)) return 'absorbance'
  if (/luminescence/i.test(text)) return 'luminescence'
  return 'fluorescence'
}

/** "Raw Data (580/620)" is excitation/emission; "Raw Data (484)" or "(450 1)" a single wavelength; "(No filter)" none. */
function wavelengths(title: string): {
  excitation?: Quantity
  detector?: Quantity
  excitationBandwidth?: Quantity
  detectorBandwidth?: Quantity
} {
  const inner = /\(([^)]*)\)/.exec(title)?.[1]
  if (!inner) return {}
  const parts = inner.split('/').map((part) => /^\s*(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?/.exec(part))
  if (parts.some((p) => p === null)) return {}
  const wl = (m: RegExpExecArray | null, group: number) => (m?.[group] ? quantity(Number(m[group]), 'nm') : undefined)
  if (parts.length === 1) return {detector: wl(parts[0], 1), detectorBandwidth: wl(parts[0], 2)}
  return {
    excitation: wl(parts[0], 1),
    excitationBandwidth: wl(parts[0], 2),
    detector: wl(parts.at(-1)!, 1),
    detectorBandwidth: wl(parts.at(-1)!, 2),
  }
}

function buildDocument(input: ConverterInput, header: Record<string, string>, modes: string[], grids: Grid[], otherLines: string[]) {
  const plate = header.ID1 || undefined
  const ids = new IdentifierSequence(input.name)
  const measurements: PlateReaderMeasurement[] = []
  for (const grid of grids) {
    const readType = readTypeOf(modes, grid.title)
    const {excitation, detector, excitationBandwidth, detectorBandwidth} = wavelengths(grid.title)
    // One settings object per read: the wells of a read share their device control document.
    const settings = compact({
      'device type': `${readType} detector`,
      'detection type': readType,
      'detector wavelength setting': detector,
      'detector bandwidth setting': detectorBandwidth,
      'excitation wavelength setting': excitation,
      'excitation bandwidth setting': excitationBandwidth,
    })
    for (const cell of grid.cells) {
      const well = `${cell.row}${cell.column}`
      const value = parseNumber(cell.raw)
      measurements.push({
        identifier: ids.next(),
        label: grid.title,
        sample: {identifier: plate ? `${plate} ${well}` : well, location: well, plate},
        settings,
        readings: {[readType]: optionalQuantity(value, READING_UNITS[readType])},
        // Overflow and masked wells ("OVRFLW", "-") are kept as written, never as a number.
        errors: value === undefined ? [{error: cell.raw, feature: readType}] : undefined,
      })
    }
  }
  const custom: CustomInformation = {}
  if (modes.length > 0) custom['read mode'] = modes.join('; ')
  if (otherLines.length > 0) custom['unparsed lines'] = otherLines
  for (const [key, value] of Object.entries(header)) if (value !== '') custom[key] = parseNumber(value) ?? value
  return plateReaderDocument(input, bmgMars, {
    device: {manufacturer: 'BMG LABTECH', model: /BMG\\([^\\]+)\\/i.exec(header.Path ?? '')?.[1]},
    software: {name: 'BMG MARS'},
    groups: groupByWell(measurements, {
      time: [header.Date, header.Time].filter(Boolean).join(' ') || undefined,
      analyst: header.User,
      experimentType: header['Test name'],
      experimentalDataIdentifier: header.ID2 || undefined,
      wellCount: maxOf(grids.map((g) => PLATE_BY_COLUMNS[g.columns] ?? g.columns * g.rows)),
    }),
    custom,
  })
}
