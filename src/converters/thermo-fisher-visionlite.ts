import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {quantity} from './asm.js'
import {IdentifierSequence} from './models/common.js'
import {type SpectrophotometryMeasurement, spectrophotometryDocument} from './models/spectrophotometry.js'
import type {CalculatedValue} from './models/common.js'
import {parseNumber} from './numbers.js'
import {checkRowWidths, delimitedRows} from './table-rows.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput} from './types.js'
import {appendAll} from './arrays.js'

/**
 * Thermo Fisher VISIONlite (Evolution, GENESYS UV-vis): "Fixed" wavelength exports (a Sample
 * Name column, one "500 nm [A]" or "A260" column per wavelength, an optional Result column)
 * and "Scan" exports (an identity line, then "nm,A" and one absorbance per wavelength).
 */
const WAVELENGTH_COLUMN = /^(?:(\d+(?:\.\d+)?)\s*nm\s*\[A\]|A(\d{3}))$/i
const SCAN_HEADER = /^nm$/i

function fixedHeader(cells: string[]): boolean {
  if (cells.length < 2 || !/^sample name$/i.test(cells[0])) return false
  const rest = cells.slice(1).filter((c) => c !== '')
  return rest.some((c) => WAVELENGTH_COLUMN.test(c)) && rest.every((c) => WAVELENGTH_COLUMN.test(c) || /^result$/i.test(c))
}

function scanHeader(rows: string[][]): boolean {
  return rows.length >= 2 && rows[0].length >= 6 && SCAN_HEADER.test(rows[1][0] ?? '') && /^A$/i.test(rows[1][1] ?? '')
}

export const thermoFisherVisionlite: Converter<BuiltinDocument> = {
  name: 'thermo-fisher-visionlite',
  version: '1.0.0',
  technique: 'spectrophotometry',
  description: 'Thermo Fisher VISIONlite UV-vis fixed-wavelength and scan exports as ASM spectrophotometry',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0 || looksBinary(head)) return 0
    const lines = decodeText(head.subarray(0, 4096)).split('\n', 3)
    const {rows} = delimitedRows(Buffer.from(lines.join('\n')))
    if (rows.length > 0 && fixedHeader(rows[0])) return 0.8
    return scanHeader(rows) ? 0.8 : 0
  },

  convert(input: ConverterInput) {
    if (input.bytes.length === 0 || looksBinary(input.bytes)) invalid(input, 'a VISIONlite CSV export, found empty or binary content')
    const {rows} = delimitedRows(input.bytes)
    if (rows.length > 0 && fixedHeader(rows[0])) return convertFixed(input, rows)
    if (scanHeader(rows)) return convertScan(input, rows)
    return invalid(input, 'a VISIONlite header: "Sample Name" and wavelength columns, or a scan identity line then "nm,A"')
  },
}

function convertFixed(input: ConverterInput, rows: string[][]) {
  const header = rows[0]
  const body = rows.slice(1).filter((r) => r.some((c) => c !== ''))
  if (body.length === 0) invalid(input, 'sample rows below the header, found none')
  checkRowWidths(input, header, body, 1)
  const ids = new IdentifierSequence(input.name)
  const wavelengths = header.map((c) => {
    const m = WAVELENGTH_COLUMN.exec(c)
    return m ? Number(m[1] ?? m[2]) : undefined
  })
  const resultColumn = header.findIndex((c) => /^result$/i.test(c))
  const measurements: SpectrophotometryMeasurement[] = []
  const calculated: CalculatedValue[] = []
  for (const row of body) {
    const sample = {identifier: row[0]}
    const own: SpectrophotometryMeasurement[] = []
    wavelengths.forEach((wavelength, c) => {
      if (wavelength === undefined) return
      const value = parseNumber(row[c])
      own.push({
        identifier: ids.next(),
        sample,
        wavelength,
        absorbance: value === undefined ? undefined : quantity(value, 'mAU'),
        errors: value === undefined ? [{error: row[c] || 'no value', feature: 'absorbance'}] : undefined,
      })
    })
    appendAll(measurements, own)
    const result = resultColumn >= 0 ? parseNumber(row[resultColumn]) : undefined
    if (result !== undefined) {
      calculated.push({
        identifier: ids.next(),
        name: 'Result',
        value: quantity(result, '(unitless)'),
        sample,
        sources: own.map((m) => ({identifier: m.identifier, feature: 'absorbance'})),
      })
    }
  }
  return spectrophotometryDocument(input, thermoFisherVisionlite, {
    device: {manufacturer: 'Thermo Fisher Scientific', deviceType: 'spectrophotometer'},
    software: {name: 'VISIONlite'},
    groups: [{experimentType: 'fixed wavelength', measurements, calculated}],
  })
}

function convertScan(input: ConverterInput, rows: string[][]) {
  const [file, sample, analyst, time, model, serial, version] = rows[0]
  const points = rows.slice(2).filter((r) => r.some((c) => c !== ''))
  checkRowWidths(input, rows[1], points, 2)
  const wavelengths: number[] = []
  const values: (number | null)[] = []
  for (const [i, row] of points.entries()) {
    const wavelength = parseNumber(row[0])
    if (wavelength === undefined) invalid(input, `a wavelength on line ${i + 3}, found "${row[0]}"`)
    wavelengths.push(wavelength)
    values.push(parseNumber(row[1]) ?? null)
  }
  if (wavelengths.length === 0) invalid(input, 'scan points below the "nm,A" header, found none')
  return spectrophotometryDocument(input, thermoFisherVisionlite, {
    device: {manufacturer: 'Thermo Fisher Scientific', model, serialNumber: serial, deviceType: 'spectrophotometer'},
    software: {name: 'VISIONlite', version},
    groups: [
      {
        time,
        analyst,
        experimentType: 'scan',
        measurements: [
          {
            identifier: `${input.name}_1`,
            sample: {identifier: sample},
            spectrum: {
              label: 'absorption spectrum',
              dimension: {concept: 'wavelength', unit: 'nm', values: wavelengths},
              measures: [{concept: 'absorbance', unit: 'mAU', values}],
            },
            custom: {'scan file name': file},
          },
        ],
      },
    ],
  })
}

function invalid(input: ConverterInput, expected: string): never {
  throw new LabmeshError('INVALID_DATA', `${input.name}: expected ${expected}`, {subject: input.name})
}
