import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {quantity} from './asm.js'
import {unitInHeader} from './generic/units.js'
import {
  type CellCountingMeasurement,
  type CellCountingResult,
  type CellCountingSetting,
  cellCountingDocument,
} from './models/cell-counting.js'
import {parseNumber} from './numbers.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput, Quantity} from './types.js'

/**
 * ChemoMetec NucleoView (NucleoCounter NC-202/NC-3000) result exports: semicolon-separated
 * "Name;value;" lines, one counted image per file: viability, live/dead/total densities in
 * cells/mL, diameter, aggregation, and the sample and dilution volumes.
 */

const DENSITY_UNIT = '10^6 cells/mL'

/** Known lines, by name with brackets and case folded; densities come in cells/mL and are reported in 10^6 cells/mL. */
const RESULTS: Record<string, {key: CellCountingResult; unit: string; scale?: number}> = {
  'viability (%)': {key: 'viability (cell counter)', unit: '%'},
  'live (cells/ml)': {key: 'viable cell density (cell counter)', unit: DENSITY_UNIT, scale: 1e-6},
  'dead (cells/ml)': {key: 'dead cell density (cell counter)', unit: DENSITY_UNIT, scale: 1e-6},
  'total (cells/ml)': {key: 'total cell density (cell counter)', unit: DENSITY_UNIT, scale: 1e-6},
  'estimated cell diameter (um)': {key: 'average total cell diameter', unit: 'µm'},
  'cell diameter standard deviation (um)': {key: 'total cell diameter distribution standard deviation', unit: 'µm'},
  '(%) of cells in aggregates with five or more cells': {key: 'cell aggregation percentage', unit: '%'},
}
const SETTINGS: Record<string, {key: CellCountingSetting; unit: string}> = {
  'sample volume (ul)': {key: 'sample volume setting', unit: 'µL'},
  'dilution volume (ul)': {key: 'dilution volume setting', unit: 'µL'},
  'multiplication factor': {key: 'dilution factor setting', unit: '(unitless)'},
}
const MARKERS = [/^Viability \(%\);/im, /^(Live|Dead|Total) \(cells\/ml\);/im, /^Sample Volume \(ul\);/im, /^Multiplication factor;/im]

function foldName(name: string): string {
  return name.trim().toLowerCase().replace(/\[/g, '(').replace(/\]/g, ')').replace(/[µμ]/g, 'u')
}

export const chemometecNucleoview: Converter<BuiltinDocument> = {
  name: 'chemometec-nucleoview',
  version: '1.0.0',
  technique: 'cell counting',
  description: 'ChemoMetec NucleoView cell count and viability results (semicolon-separated CSV)',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0 || looksBinary(head)) return 0
    const text = decodeText(head.subarray(0, 16 * 1024))
    const found = MARKERS.filter((re) => re.test(text)).length
    return found >= 3 ? 0.95 : found === 2 ? 0.6 : 0
  },

  convert(input: ConverterInput) {
    const invalid = (what: string): never => {
      throw new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
    }
    if (input.bytes.length === 0 || looksBinary(input.bytes)) invalid('expected a NucleoView CSV export, found empty or binary content')
    // A note in brackets may break across lines: "13.2 (Uncertain<newline>determination);".
    const text = decodeText(input.bytes).replace(/\(([^)\n;]*)\n([^)\n;]*\))/g, '($1 $2)')
    const lines = text.split('\n')
    const entries: {name: string; value: string; closed: boolean}[] = []
    for (const line of lines) {
      const cells = line.split(';')
      if (cells.length < 2 || cells[0].trim() === '') continue
      entries.push({name: cells[0].trim(), value: cells[1].trim(), closed: cells.length > 2})
    }
    const multiplication = entries.find((e) => foldName(e.name) === 'multiplication factor')
    if (!entries.some((e) => foldName(e.name) === 'viability (%)') || !multiplication || !multiplication.closed) {
      invalid('expected a complete NucleoView result export: "Viability (%)" through "Multiplication factor;" lines (truncated file?)')
    }

    const measurement: CellCountingMeasurement = {
      identifier: `${input.name}_1`,
      sample: {},
      results: {},
      settings: {},
      errors: [],
      custom: {},
    }
    let analyst: string | undefined
    entries.forEach((entry, index) => {
      const key = foldName(entry.name)
      if (index === 0 && entry.value === '') {
        measurement.custom!['assay'] = entry.name
        return
      }
      if (key === 'image') measurement.sample.identifier = entry.value
      else if (key === 'operator') analyst = entry.value
      else if (RESULTS[key] || SETTINGS[key]) {
        const spec = RESULTS[key] ?? SETTINGS[key]
        const {value, note} = readValue(entry.value)
        if (value === undefined) measurement.errors!.push({error: entry.value, feature: spec.key})
        else {
          const scaled = quantity(RESULTS[key]?.scale ? value * RESULTS[key].scale! : value, spec.unit)
          if (RESULTS[key]) measurement.results[RESULTS[key].key] = scaled
          else measurement.settings[SETTINGS[key].key] = scaled
          if (note) measurement.custom![`${entry.name} note`] = note
        }
      } else if (entry.value !== '') {
        const {value} = readValue(entry.value)
        const unit = unitInHeader(entry.name)
        if (value !== undefined && unit) (measurement.otherResults ??= {})[entry.name] = quantity(value, unit) satisfies Quantity
        else measurement.custom![entry.name] = value ?? entry.value
      }
    })
    return cellCountingDocument(input, chemometecNucleoview, {
      device: {manufacturer: 'ChemoMetec', model: 'NucleoCounter', deviceType: 'fluorescence imager (cell counter)'},
      software: {name: 'NucleoView'},
      analyst,
      measurements: [measurement],
    })
  },
}

/** "95.5", "1.60E6", "3.58E3 (Out of optimal range)": the number and the note beside it. */
function readValue(raw: string): {value?: number; note?: string} {
  const m = /^([^(]*?)\s*(?:\((.*)\))?$/.exec(raw)
  return {value: parseNumber(m?.[1] ?? raw), note: m?.[2]}
}
