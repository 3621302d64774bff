import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {quantity} from './asm.js'
import {zipHeadEntries} from './appbio-quantstudio/zip-head.js'
import {unitInHeader} from './generic/units.js'
import {type CalculatedValue, IdentifierSequence} from './models/common.js'
import {groupByWell, type PlateReaderMeasurement, plateReaderDocument} from './models/plate-reader.js'
import {parseNumber} from './numbers.js'
import {type Cell, isXlsx, readSheets} from './spreadsheet/index.js'
import {checkRowWidths, delimitedRows} from './table-rows.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput, Quantity} from './types.js'
import {normaliseWell} from './wells.js'
import {appendAll} from './arrays.js'

/**
 * Unchained Labs Lunatic (UV-vis) and Stunner (UV-vis + DLS) plate results, as CSV or .xlsx,
 * with or without the report header: a table with a row per well ("Plate ID", "Plate
 * Position", sample, then absorbances "A260", concentrations "(ng/ul)", ratios "A260/A280",
 * DLS sizes "(nm)", spectra as one "A230 (10mm)" column per wavelength, settings).
 */

/** Lunatic and Stunner plates have 96 wells. */
const PLATE_WELLS = 96
const ABSORBANCE = /^(?:Background \()?A(\d{3})(?: \((\d+)mm\))?\)?$/
const RATIO = /^A\d{3}\/A\d{3}$/
const IDENTITY = new Set(['plate id', 'plate position', 'sample name', 'row', 'column', 'date', 'time'])

function fold(header: string): string {
  return header.replace(/\s+/g, ' ').trim()
}

function isHeader(row: string[]): boolean {
  const names = row.map((c) => fold(c).toLowerCase())
  return names.includes('plate position') && names.includes('plate id')
}

export const unchainedLabsLunaticStunner: Converter<BuiltinDocument> = {
  name: 'unchained-labs-lunatic-stunner',
  version: '1.0.0',
  technique: 'plate reader',
  description: 'Unchained Labs Lunatic and Stunner UV-vis / DLS plate results (CSV, .xlsx)',

  detect(_name: string, head: Buffer): number {
    if (isXlsx(head)) {
      const strings = [...zipHeadEntries(head, (n) => n === 'xl/sharedStrings.xml' || n.startsWith('xl/worksheets/')).values()].join('')
      const position = /Plate\s*(?:&#10;|\r?\n)?\s*Position/.test(strings)
      return position && /Plate ID/.test(strings) && /Lunatic|Stunner|Sample group/i.test(strings) ? 0.9 : 0
    }
    if (head.length === 0 || looksBinary(head)) return 0
    const {rows} = delimitedRows(
      Buffer.from(
        decodeText(head.subarray(0, 32 * 1024))
          .split('\n')
          .slice(0, 40)
          .join('\n'),
      ),
    )
    return rows.some(isHeader) ? 0.85 : 0
  },

  async convert(input: ConverterInput) {
    function invalid(what: string): never {
      throw new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
    }
    let rows: string[][]
    const fromText = !isXlsx(input.bytes)
    if (fromText) {
      if (input.bytes.length === 0 || looksBinary(input.bytes))
        invalid('expected a Lunatic/Stunner CSV export, found empty or binary content')
      rows = delimitedRows(input.bytes).rows
    } else {
      rows = (await readSheets(input)).flatMap((s) =>
        s.rows.map((r) => Array.from(r, (c: Cell) => (c === undefined ? '' : String(c).trim()))),
      )
    }
    const at = rows.findIndex(isHeader)
    if (at < 0) invalid('expected a results table with "Plate ID" and "Plate Position" columns, found none')
    const header = rows[at].map(fold)
    const body: string[][] = []
    for (const row of rows.slice(at + 1)) {
      if (row.every((c) => c === '')) break
      body.push(row)
    }
    if (body.length === 0) invalid('expected a row per well below the results header, found none')
    if (fromText) checkRowWidths(input, header, body, at + 1)
    const col = (name: string) => header.findIndex((h) => h.toLowerCase() === name)
    const info = new Map(
      rows
        .slice(0, at)
        .filter((r) => r[0] && r[1])
        .map((r) => [r[0], r[1]] as const),
    )
    const spectrum = header.filter((h) => ABSORBANCE.test(h) && /mm\)$/.test(h))
    const ids = new IdentifierSequence(input.name)
    const measurements: PlateReaderMeasurement[] = []
    const calculated: CalculatedValue[] = []
    for (const row of body) {
      const well = normaliseWell(row[col('plate position')]) ?? row[col('plate position')]
      const plate = row[col('plate id')] || undefined
      const sample = {identifier: row[col('sample name')] || undefined, location: well, plate}
      const time = [row[col('date')], row[col('time')]].filter(Boolean).join(' ') || undefined
      const own: PlateReaderMeasurement[] = []
      const settings: Record<string, Quantity | string> = {}
      const others: Record<string, Quantity> = {}
      header.forEach((name, c) => {
        const raw = row[c] ?? ''
        if (raw === '' || name === '' || IDENTITY.has(name.toLowerCase()) || spectrum.includes(name)) return
        const value = parseNumber(raw)
        const absorbance = ABSORBANCE.exec(name)
        if (absorbance && !name.startsWith('Background')) {
          own.push({
            identifier: ids.next(),
            sample,
            time,
            readings: value === undefined ? {} : {absorbance: quantity(value, 'mAU')},
            settings: {'detector wavelength setting': quantity(Number(absorbance[1]), 'nm')},
            errors: value === undefined ? [{error: raw, feature: 'absorbance'}] : undefined,
          })
        } else if (value === undefined) settings[name] = raw
        else if (RATIO.test(name)) calculated.push({identifier: ids.next(), name, value: quantity(value, '(unitless)'), sample})
        else others[name] = quantity(value, absorbance ? 'mAU' : (unitInHeader(name) ?? '(unitless)'))
      })
      if (spectrum.length > 0) {
        own.push({
          identifier: ids.next(),
          sample,
          time,
          readings: {},
          cube: {
            kind: 'absorption spectrum data cube',
            cube: {
              label: 'absorption spectrum',
              dimension: {concept: 'wavelength', unit: 'nm', values: spectrum.map((h) => Number(ABSORBANCE.exec(h)![1]))},
              measures: [{concept: 'absorbance', unit: 'mAU', values: spectrum.map((h) => parseNumber(row[header.indexOf(h)]) ?? null)}],
            },
          },
          settings: {},
        })
      }
      // Concentrations and DLS results belong to the well's (first) reading.
      if (own.length === 0) own.push({identifier: ids.next(), sample, time, readings: {}, settings: {}})
      Object.assign(own[0].readings, others)
      for (const m of own) Object.assign(m.settings, settings)
      appendAll(measurements, own)
    }
    return plateReaderDocument(input, unchainedLabsLunaticStunner, {
      device: {
        manufacturer: 'Unchained Labs',
        model: /stunner/i.test(rows.flat().join(' ')) ? 'Stunner' : 'Lunatic',
        deviceIdentifier: info.get('Instrument'),
      },
      software: {name: 'Lunatic and Stunner Client', version: info.get('Software version')},
      groups: groupByWell(measurements, {
        analyst: info.get('Test performed by'),
        experimentalDataIdentifier: info.get('Experiment name'),
        wellCount: PLATE_WELLS,
      }),
      calculated,
      custom: Object.fromEntries(info),
    })
  },
}
