import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {quantity} from './asm.js'
import {type CellCountingMeasurement, cellCountingDocument, isCellCountingResult, isCellCountingSetting} from './models/cell-counting.js'
import {parseNumber} from './numbers.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput} from './types.js'
import {splitDelimited} from './delimited.js'

/**
 * Beckman Coulter Vi-CELL BLU cell viability analyzer: the CSV sample-results export, one row per
 * analysed sample, one column per result or analysis setting (UTF-8 or UTF-16, quoted or not).
 */

type Place = 'result' | 'setting'

interface ColumnSpec {
  key: string
  unit?: string
  place: Place
}

const DENSITY_UNIT = '10^6 cells/mL'

/** Known columns, by header with micro signs folded to "u" and case folded; ASM names where ASM has one. */
const KNOWN_COLUMNS: Record<string, ColumnSpec> = {
  'cell count': {key: 'total cell count', unit: 'cell', place: 'result'},
  'viable cells': {key: 'viable cell count', unit: 'cell', place: 'result'},
  'total (x10^6) cells/ml': {key: 'total cell density (cell counter)', unit: DENSITY_UNIT, place: 'result'},
  'viable (x10^6) cells/ml': {key: 'viable cell density (cell counter)', unit: DENSITY_UNIT, place: 'result'},
  'viability (%)': {key: 'viability (cell counter)', unit: '%', place: 'result'},
  'average diameter (um)': {key: 'average total cell diameter', unit: 'µm', place: 'result'},
  'average viable diameter (um)': {key: 'average live cell diameter (cell counter)', unit: 'µm', place: 'result'},
  'average circularity': {key: 'average total cell circularity', unit: '(unitless)', place: 'result'},
  'average viable circularity': {key: 'average viable cell circularity', unit: '(unitless)', place: 'result'},
  'average cells per image': {key: 'average cells per image', unit: 'cell', place: 'result'},
  'average background intensity': {key: 'average background intensity', unit: '(unitless)', place: 'result'},
  'bubble count': {key: 'bubble count', unit: '#', place: 'result'},
  'cluster count': {key: 'cluster count', unit: '#', place: 'result'},
  'images for analysis': {key: 'images used for analysis', unit: '#', place: 'result'},
  'cell type': {key: 'cell type processing method', place: 'setting'},
  'minimum diameter (um)': {key: 'minimum cell diameter setting', unit: 'µm', place: 'setting'},
  'maximum diameter (um)': {key: 'maximum cell diameter setting', unit: 'µm', place: 'setting'},
  images: {key: 'image count setting', unit: '#', place: 'setting'},
  'cell sharpness': {key: 'cell sharpness setting', unit: '(unitless)', place: 'setting'},
  'minimum circularity': {key: 'minimum circularity setting', unit: '(unitless)', place: 'setting'},
  'decluster degree': {key: 'decluster degree setting', place: 'setting'},
  'aspiration cycles': {key: 'aspiration cycle count setting', unit: '#', place: 'setting'},
  'viable spot brightness (%)': {key: 'viable spot brightness setting', unit: '%', place: 'setting'},
  'viable spot area (%)': {key: 'viable spot area setting', unit: '%', place: 'setting'},
  'mixing cycles': {key: 'mixing cycle count setting', unit: '#', place: 'setting'},
  dilution: {key: 'sample dilution factor setting', unit: '(unitless)', place: 'setting'},
  wash: {key: 'wash type setting', place: 'setting'},
}

/** Columns that identify or describe the measurement rather than carry a value. */
const SAMPLE_ID = 'sample id'
const DESCRIPTIVE: Record<string, string> = {
  'analysis date/time': 'measurement time',
  'reanalysis date/time': 'reanalysis time',
  'analysis by': 'analyst',
  'reanalysis by': 'reanalyst',
  tag: 'tag',
}

/** Headers only the Vi-CELL BLU writes (the older Vi-CELL XR spells its columns differently). */
const BLU_MARKERS = [
  'viable (x10^6) cells/ml',
  'total (x10^6) cells/ml',
  'average viable circularity',
  'viable spot brightness (%)',
  'decluster degree',
  'analysis date/time',
]

export const beckmanViCellBlu: Converter<BuiltinDocument> = {
  name: 'beckman-vi-cell-blu',
  version: '1.0.0',
  technique: 'cell counting',
  description: 'Beckman Coulter Vi-CELL BLU cell counter sample results (CSV)',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0 || looksBinary(head)) return 0
    const firstLine = decodeText(head).split('\n', 1)[0]
    const headers = splitDelimited(firstLine).map(normaliseHeader)
    if (!headers.includes(SAMPLE_ID)) return 0
    const markers = BLU_MARKERS.filter((m) => headers.includes(m)).length
    if (markers >= 4) return 1
    return markers >= 2 ? 0.6 : 0
  },

  convert(input: ConverterInput) {
    const lines = decodeText(input.bytes)
      .split('\n')
      .filter((line) => line.trim() !== '')
    if (lines.length === 0) invalid(input.name, 'a Vi-CELL BLU CSV export, but the file is empty')
    const headers = splitDelimited(lines[0]).map((h) => h.trim())
    const keys = headers.map(normaliseHeader)
    const idColumn = keys.indexOf(SAMPLE_ID)
    if (idColumn < 0 || BLU_MARKERS.filter((m) => keys.includes(m)).length < 2) {
      invalid(input.name, 'a Vi-CELL BLU header row ("Sample ID", "Viable (x10^6) cells/mL", ...) and found none')
    }
    if (lines.length < 2) invalid(input.name, 'at least one sample row below the Vi-CELL BLU header and found none')

    const measurements = lines.slice(1).map((line, index) => {
      const cells = splitDelimited(line)
      // A row cut short means a truncated export: refuse it rather than invent empty results.
      if (cells.length < idColumn + 1 || cells.length < headers.length - 1) {
        invalid(input.name, `${headers.length} columns in row ${index + 2} and found ${cells.length} (truncated file?)`)
      }
      return measurementFor(input.name, index, headers, keys, cells)
    })

    return cellCountingDocument(input, beckmanViCellBlu, {
      device: {manufacturer: 'Beckman Coulter', model: 'Vi-CELL BLU', deviceType: 'brightfield imager (cell counter)'},
      software: {name: 'Vi-CELL BLU'},
      measurements,
    })
  },
}

function measurementFor(file: string, index: number, headers: string[], keys: string[], cells: string[]): CellCountingMeasurement {
  const measurement: CellCountingMeasurement = {identifier: `${file}_${index + 1}`, sample: {}, results: {}, settings: {}, errors: []}
  const described: Record<string, string> = {}

  for (let c = 0; c < headers.length; c++) {
    const raw = (cells[c] ?? '').trim()
    const key = keys[c]
    if (key === SAMPLE_ID) {
      measurement.sample.identifier = raw
      continue
    }
    if (raw === '') continue
    if (key in DESCRIPTIVE) {
      described[DESCRIPTIVE[key]] = raw
      continue
    }
    const known = KNOWN_COLUMNS[key]
    const spec = known ?? inferColumn(headers[c])
    const value = spec.unit === undefined ? undefined : parseNumber(raw)
    // "ERROR" in a numeric column is kept as the instrument wrote it, never as a number.
    if (value === undefined && known?.unit !== undefined) {
      measurement.errors!.push({error: raw, feature: spec.key})
      continue
    }
    const reading = value !== undefined && spec.unit !== undefined ? quantity(value, spec.unit) : raw
    if (spec.place === 'setting') {
      if (isCellCountingSetting(spec.key)) measurement.settings[spec.key] = reading
      else (measurement.otherSettings ??= {})[spec.key] = reading
    } else if (isCellCountingResult(spec.key) && typeof reading !== 'string') measurement.results[spec.key] = reading
    else (measurement.otherResults ??= {})[spec.key] = reading
  }

  measurement.time = described['measurement time']
  measurement.reanalysisTime = described['reanalysis time']
  measurement.analyst = described.analyst
  measurement.reanalyst = described.reanalyst
  if (described.tag !== undefined) measurement.sample.properties = {tag: described.tag}
  return measurement
}

/** A column this converter does not know: its unit from "(...)" in the header, else unitless; text stays text. */
function inferColumn(header: string): ColumnSpec {
  const unit = /\(([^)]*)\)\s*$/.exec(header)?.[1]
  return {key: header.toLowerCase(), unit: unit ? unit.replace(/[μ]/g, 'µ') : '(unitless)', place: 'result'}
}

function normaliseHeader(header: string): string {
  return header.trim().replace(/^"|"$/g, '').toLowerCase().replace(/[µμ]/g, 'u')
}

function invalid(file: string, expected: string): never {
  throw new LabmeshError('INVALID_DATA', `${file}: expected ${expected}`, {subject: file})
}
