import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {quantity} from './asm.js'
import {IdentifierSequence, type ReadingError, type Sample} from './models/common.js'
import {type SpectrophotometryGroup, type SpectrophotometryMeasurement, spectrophotometryDocument} from './models/spectrophotometry.js'
import {normaliseWell} from './wells.js'
import {parseNumber} from './numbers.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput, Quantity} from './types.js'

/**
 * Thermo Fisher NanoDrop Eight tab-separated exports: a few "Key:<tab>value" preamble lines
 * (Application, Serial number, User Name), then one table with a row per sample: identifiers,
 * concentration (column named by its unit, e.g. "ng/µL"), absorbances ("A260", "A280 10mm"),
 * ratios ("A260/A280") and, in full exports, the absorbance spectrum as one column per wavelength.
 */
export const thermoFisherNanodropEight: Converter<BuiltinDocument> = {
  name: 'thermo-fisher-nanodrop-eight',
  version: '1.0.0',
  technique: 'spectrophotometry',
  description: 'Thermo Fisher NanoDrop Eight sample tables (concentration, A260/A280, ratios, spectra) as ASM spectrophotometry',
  detect(_name, head) {
    if (head.length === 0 || looksBinary(head)) return 0
    const lines = decodeText(head).split('\n', 40)
    const header = lines.find(isSampleHeader)
    if (!header) return 0
    const preamble = lines.some((line) => /^(Application|Serial number|User Name):\t/i.test(line))
    return preamble ? 0.95 : 0.7
  },
  convert(input) {
    return convertNanodrop(input)
  },
}

const SAMPLE_COLUMNS = /^(sample( name| id)?|uid)$/i
const CONCENTRATION_UNIT = /^(ng\/[µμu]l|[µμu]g\/[µμu]l|[µμu]g\/ml|mg\/ml|ng\/ml|pg\/[µμu]l|nM|[µμ]M)$/i
const ABSORBANCE = /^A(\d{3})( \d+\s?mm)?$/i
const RATIO = /^A?(\d{3})\/A?(\d{3})$/i
/** Columns that become sample, time and analyst fields; everything else unknown is kept as custom information. */
const IDENTITY_COLUMNS = /^(sample( name| id)?|uid|date( & time)?|time|location|well|plate id|user( ?name| id)?)$/i

/** The table header: tab-separated, names a sample column and an absorbance, ratio or concentration-unit column. */
function isSampleHeader(line: string): boolean {
  const cells = line.split('\t').map((c) => c.trim())
  if (cells.length < 3 || !cells.some((c) => SAMPLE_COLUMNS.test(c))) return false
  return cells.some((c) => RATIO.test(c) || ABSORBANCE.test(c) || CONCENTRATION_UNIT.test(c))
}

type Column =
  | {kind: 'concentration'; unit: string}
  | {kind: 'absorbance'; wavelength: number}
  | {kind: 'ratio'; name: string}
  | {kind: 'spectrum'; wavelength: number}
  | {kind: 'text'}

interface Row {
  cells: Map<string, string>
  concentration?: {value: number | string; unit: string}
  absorbances: {wavelength: number; value: number | string}[]
  ratios: {name: string; value: number | string}[]
  others: Record<string, number | string>
  spectrum: {wavelengths: number[]; values: (number | null)[]}
}

function invalid(input: ConverterInput, what: string): LabmeshError {
  return new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
}

function convertNanodrop(input: ConverterInput) {
  if (input.bytes.length === 0 || looksBinary(input.bytes)) {
    throw invalid(input, 'expected a NanoDrop Eight tab-separated text export, found empty or binary content')
  }
  const lines = decodeText(input.bytes).split('\n')
  const headerIndex = lines.findIndex(isSampleHeader)
  if (headerIndex < 0)
    throw invalid(input, 'no sample table header (a tab-separated line naming Sample and A260/A280 or concentration columns) found')

  // "Application:<tab>RNA", "Serial number:<tab><tab>1234": the value is the first filled cell after the key.
  const preamble: Record<string, string> = {}
  for (const line of lines.slice(0, headerIndex)) {
    const cells = line.split('\t').map((c) => c.trim())
    const key = cells[0].replace(/:$/, '')
    if (key !== '') preamble[key] = cells.slice(1).find((c) => c !== '') ?? ''
  }

  const names = lines[headerIndex].split('\t').map((c) => c.trim())
  while (names.length > 0 && names.at(-1) === '') names.pop()
  const dataLines = lines.slice(headerIndex + 1)
  const end = dataLines.findIndex((line) => line.trim() === '')
  const body = (end < 0 ? dataLines : dataLines.slice(0, end)).map((line) => line.split('\t'))
  if (body.length === 0) throw invalid(input, 'the sample table has a header but no sample rows')
  const decimalComma = usesDecimalComma(body)
  const columns = names.map((name) => classify(name, decimalComma))
  const rows = body.map((cells, index) => {
    // A row shorter than the header is a file cut off mid-row, not an export NanoDrop writes.
    if (cells.length < names.length)
      throw invalid(input, `sample row ${index + 1} has ${cells.length} of ${names.length} columns: the file looks truncated`)
    return readRow(names, columns, cells, decimalComma)
  })
  return buildDocument(input, preamble, rows)
}

/** European-locale exports write "704,986" for 704.986; a comma with no dot anywhere in the numbers says so. */
function usesDecimalComma(body: string[][]): boolean {
  let comma = false
  for (const cells of body) {
    for (const raw of cells) {
      const cell = raw.trim()
      if (/^[+-]?\d+\.\d+([eE][+-]?\d+)?$/.test(cell)) return false
      if (/^[+-]?\d+,\d+([eE][+-]?\d+)?$/.test(cell)) comma = true
    }
  }
  return comma
}

function toNumber(raw: string, decimalComma: boolean): number | undefined {
  const cell = decimalComma ? raw.trim().replace(',', '.') : raw.trim()
  // Fast path for the plain decimals a spectrum is made of; parseNumber handles the rest.
  return /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : parseNumber(cell)
}

function classify(name: string, decimalComma: boolean): Column {
  if (CONCENTRATION_UNIT.test(name)) return {kind: 'concentration', unit: name.replace(/u/i, 'µ').replace('μ', 'µ')}
  const ratio = RATIO.exec(name)
  if (ratio) return {kind: 'ratio', name: `A${ratio[1]}/A${ratio[2]}`}
  const absorbance = ABSORBANCE.exec(name)
  if (absorbance) return {kind: 'absorbance', wavelength: Number(absorbance[1])}
  const wavelength = toNumber(name, decimalComma)
  if (wavelength !== undefined && wavelength >= 100 && wavelength <= 1200) return {kind: 'spectrum', wavelength}
  return {kind: 'text'}
}

function readRow(names: string[], columns: Column[], cells: string[], decimalComma: boolean): Row {
  const row: Row = {cells: new Map(), absorbances: [], ratios: [], others: {}, spectrum: {wavelengths: [], values: []}}
  let unitColumn: string | undefined
  columns.forEach((column, i) => {
    const raw = (cells[i] ?? '').trim()
    const value = toNumber(raw, decimalComma)
    // Non-numeric readings ("N/A", "Error") stay as strings so they are kept but never read as numbers.
    const reading = value ?? raw
    switch (column.kind) {
      case 'concentration':
        if (raw !== '') row.concentration = {value: reading, unit: column.unit}
        break
      case 'absorbance':
        if (raw !== '') row.absorbances.push({wavelength: column.wavelength, value: reading})
        break
      case 'ratio':
        if (raw !== '') row.ratios.push({name: column.name, value: reading})
        break
      case 'spectrum':
        row.spectrum.wavelengths.push(column.wavelength)
        row.spectrum.values.push(value ?? null)
        break
      default:
        row.cells.set(names[i].toLowerCase(), raw)
        if (/^units?$/i.test(names[i])) unitColumn = raw
        else if (raw !== '' && !IDENTITY_COLUMNS.test(names[i])) row.others[names[i]] = reading
    }
  })
  // Older layouts give the concentration as "conc." with its unit in a separate "units" column.
  const conc = Object.keys(row.others).find((k) => /^conc(\.|entration)?$/i.test(k))
  if (!row.concentration && conc && unitColumn) {
    row.concentration = {value: row.others[conc], unit: unitColumn}
    delete row.others[conc]
  }
  return row
}

/** A reading as a quantity, or the text the instrument wrote instead ("N/A", "Error") as an error of `feature`. */
function reading(value: number | string, unit: string, feature: string): {quantity?: Quantity; errors?: ReadingError[]} {
  return typeof value === 'number' ? {quantity: quantity(value, unit)} : {errors: [{error: value, feature}]}
}

function first(row: Row, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = row.cells.get(key)
    if (value) return value
  }
  return undefined
}

function buildDocument(input: ConverterInput, preamble: Record<string, string>, rows: Row[]) {
  const ids = new IdentifierSequence(input.name)
  const setting = (name: string) => Object.entries(preamble).find(([key]) => key.toLowerCase() === name)?.[1]
  const application = setting('application')
  const groups = rows.map((row): SpectrophotometryGroup => {
    const well = first(row, 'location', 'well')
    const writtenName = first(row, 'sample name', 'sample')
    const sample: Sample = {
      identifier: first(row, 'sample id', 'uid', 'sample name', 'sample'),
      location: well ? (normaliseWell(well) ?? well) : undefined,
      plate: first(row, 'plate id'),
      properties: writtenName === undefined ? undefined : {'written name': writtenName},
    }
    const concentration = row.concentration && reading(row.concentration.value, row.concentration.unit, 'mass concentration')
    // Nucleic acid concentrations are computed from A260, other applications (protein) from A280.
    const captureWavelength = application && !/NA\b/.test(application) && row.absorbances.some((a) => a.wavelength === 280) ? 280 : 260
    const measurements: SpectrophotometryMeasurement[] = row.absorbances.map((a) => {
      const absorbance = reading(a.value, 'mAU', 'absorbance')
      const captured = a.wavelength === captureWavelength ? concentration : undefined
      const errors = [...(absorbance.errors ?? []), ...(captured?.errors ?? [])]
      return {
        identifier: ids.next(),
        sample,
        wavelength: a.wavelength,
        absorbance: absorbance.quantity,
        concentration: captured?.quantity,
        errors,
      }
    })
    if (concentration && !row.absorbances.some((a) => a.wavelength === captureWavelength)) {
      measurements.push({identifier: ids.next(), sample, concentration: concentration.quantity, errors: concentration.errors})
    }
    if (row.spectrum.wavelengths.length > 0) {
      measurements.push({
        identifier: ids.next(),
        sample,
        spectrum: {
          label: 'absorption spectrum',
          dimension: {concept: 'wavelength', unit: 'nm', values: row.spectrum.wavelengths},
          measures: [{concept: 'absorbance', unit: 'mAU', values: row.spectrum.values}],
        },
      })
    }
    // A ratio's data sources are the absorbance readings at the wavelengths it divides.
    const sourcesOf = (ratio: string) => {
      const wavelengths: string[] = ratio.match(/\d{3}/g) ?? []
      return row.absorbances
        .map((absorbance, i) => ({absorbance, identifier: measurements[i].identifier}))
        .filter(({absorbance}) => wavelengths.includes(String(absorbance.wavelength)))
        .map(({identifier}) => ({identifier, feature: 'absorbance'}))
    }
    return {
      time: first(row, 'date & time', 'date'),
      experimentType: application,
      analyst: first(row, 'username', 'user name', 'user id') ?? setting('user name'),
      measurements,
      calculated: row.ratios.map((ratio) => {
        const {quantity: value, errors} = reading(ratio.value, '(unitless)', ratio.name)
        return {identifier: ids.next(), name: ratio.name, value, errors, sample, sources: sourcesOf(ratio.name)}
      }),
      custom: row.others,
    }
  })
  return spectrophotometryDocument(input, thermoFisherNanodropEight, {
    device: {manufacturer: 'Thermo Fisher Scientific', model: 'NanoDrop Eight', serialNumber: setting('serial number')},
    groups,
    custom: preamble,
  })
}
