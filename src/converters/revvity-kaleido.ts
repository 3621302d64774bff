import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {quantity} from './asm.js'
import {scanQuantities} from './generic/header-block.js'
import {IdentifierSequence} from './models/common.js'
import {groupByWell, type PlateReaderMeasurement, plateReaderDocument, READING_UNITS} from './models/plate-reader.js'
import {parseNumber} from './numbers.js'
import {delimitedRows} from './table-rows.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput, Quantity} from './types.js'
import {rowIndex, rowName} from './wells.js'

/**
 * Revvity (PerkinElmer) Kaleido exports of EnSight/VICTOR Nivo reads (CSV): "Result(s) for
 * <operation>" blocks, each a plate grid (",1,2,3..." then lettered rows) of readings, image file
 * names or image analysis values, then measurement, instrument, plate type and protocol details.
 */
const RESULT_TITLE = /^Results? for (.+)$/
const SETTING_WORDS = /wavelength|height|flashes|exposure|power|focus|filter|channel|excitation|emission|delay|integration|mode|gain/i

type Technique = keyof typeof READING_UNITS

function techniqueOf(title: string): Technique | undefined {
  if (/\babs|absorbance/i.test(title)) return 'absorbance'
  if (/fluor/i.test(title)) return 'fluorescence'
  if (/lumin/i.test(title)) return 'luminescence'
  return undefined
}

export const revvityKaleido: Converter<BuiltinDocument> = {
  name: 'revvity-kaleido',
  version: '1.0.0',
  technique: 'plate reader',
  description: 'Revvity Kaleido plate reader and imager exports (absorbance, fluorescence, luminescence, image analysis)',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0 || looksBinary(head)) return 0
    const text = decodeText(head.subarray(0, 64 * 1024)).replace(/\u00a0/g, ' ')
    const results = /^Results? for /m.test(text)
    const kaleido = /EnSight Results from|Kaleido|^Barcode: [^,]*, PlateRepeat: /m.test(text)
    return results && kaleido ? 0.95 : 0
  },

  convert(input: ConverterInput) {
    function invalid(what: string): never {
      throw new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
    }
    if (input.bytes.length === 0 || looksBinary(input.bytes)) invalid('expected a Kaleido CSV export, found empty or binary content')
    // Older exports separate words with no-break spaces ("Results\u00a0for\u00a0ABS").
    const rows = delimitedRows(input.bytes, ',').rows.map((r) => r.map((c) => c.replace(/\u00a0/g, ' ')))
    const ids = new IdentifierSequence(input.name)
    const measurements: PlateReaderMeasurement[] = []
    const settings: Record<string, Quantity | string> = {}
    const info: Record<string, string | Quantity> = {}
    let title: string | undefined
    let parameter: string | undefined
    let barcode: string | undefined
    let gridRows = 0
    for (let i = 0; i < rows.length; i++) {
      const cells = rows[i]
      const first = cells[0] ?? ''
      const titled = RESULT_TITLE.exec(first)
      if (titled && cells.slice(1).every((c) => c === '')) {
        title = titled[1].trim()
        parameter = undefined
        continue
      }
      if (/^Barcode: /.test(first)) {
        barcode = /^Barcode: (.*)$/.exec(first)?.[1]
        parameter = /AnalysisParameter: (.*)$/.exec(cells.join(','))?.[1]?.trim()
        continue
      }
      if (first === 'Barcode' && cells.includes('Repeat')) {
        barcode = rows[i + 1]?.[0] || barcode
        i++
        continue
      }
      if (first === '' && cells[1] === '1' && title !== undefined) {
        const columns = cells
          .slice(1)
          .filter((c) => c !== '')
          .map(Number)
        let j = i + 1
        for (; j < rows.length && rowIndex(rows[j][0] ?? '') !== undefined && rows[j][0] !== ''; j++) {
          const row = rows[j]
          const values = row.slice(1)
          if (values.length < columns.length)
            invalid(`line ${j + 1} has ${values.length} of its ${columns.length} wells: the file looks truncated`)
          const well = (c: number) => `${rowName(rowIndex(row[0])!)}${columns[c]}`
          const technique = parameter ? undefined : techniqueOf(title)
          values.slice(0, columns.length).forEach((raw, c) => {
            if (raw === '') return
            const value = parseNumber(raw)
            const name = parameter ?? technique ?? title!
            const reading = value === undefined ? undefined : quantity(value, technique ? READING_UNITS[technique] : '(unitless)')
            measurements.push({
              identifier: ids.next(),
              sample: {location: well(c), plate: barcode, identifier: barcode ? `${barcode} ${well(c)}` : well(c)},
              label: parameter ? `${title} ${parameter}` : title,
              readings: reading ? {[name]: reading} : {},
              settings,
              // Imaging reads name the image file of each well instead of a number.
              custom: value === undefined ? {'image file': raw} : undefined,
            })
          })
        }
        gridRows = Math.max(gridRows, j - i - 1)
        i = j - 1
        continue
      }
      // "Key [unit],,,value" detail lines: settings of the read, else plate and run information.
      const filled = cells.filter((c) => c !== '')
      if (filled.length === 2 && first !== '' && cells.indexOf(filled[1]) > 1) {
        const [key, text] = filled
        const found = scanQuantities(text, key.replace(/:$/, ''), false)
        const value: Quantity | string =
          found.length === 1 && !/[a-z]{3}/i.test(text.replace(/^[\d.]+\s*[a-zµ%]{0,3}\b/i, '')) ? found[0] : text
        if (SETTING_WORDS.test(key)) settings[key.replace(/:$/, '')] ??= value
        else info[key.replace(/:$/, '')] ??= value
      }
    }
    if (measurements.length === 0) invalid('expected a "Result for ..." block with a plate grid, found none')
    const count = (key: RegExp) => {
      const entry = Object.entries(info).find(([k]) => key.test(k))?.[1]
      return typeof entry === 'object' ? entry.value : parseNumber(entry)
    }
    const plateRows = count(/^Number of rows$/i)
    const plateColumns = count(/^Number of columns$/i)
    if (plateRows === undefined || plateColumns === undefined) {
      invalid('expected the plate type information ("Number of Rows", "Number of Columns") after the results: the file looks truncated')
    }
    const software = typeof info['Software Version'] === 'string' ? info['Software Version'] : undefined
    return plateReaderDocument(input, revvityKaleido, {
      device: {manufacturer: 'Revvity', serialNumber: stringOf(info['Instrument Serial Number']), deviceType: 'plate reader'},
      software: {name: 'Kaleido', version: software?.replace(/^Kaleido\s*/, '')},
      groups: groupByWell(measurements, {
        time: stringOf(info['Measurement Started']) ?? stringOf(info['Measurement Date']),
        analyticalMethod: stringOf(info['Protocol Name']),
        wellCount: plateRows * plateColumns,
      }),
      custom: {...info, 'plate well count': quantity(plateRows * plateColumns, '#')},
    })
  },
}

function stringOf(value: string | Quantity | undefined): string | undefined {
  return typeof value === 'string' ? value : value === undefined ? undefined : String(value.value)
}
