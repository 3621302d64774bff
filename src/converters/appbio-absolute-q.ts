import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {optionalQuantity, quantity} from './asm.js'
import {type CalculatedValue, type CustomInformation, IdentifierSequence} from './models/common.js'
import {type DpcrMeasurement, dpcrDocument} from './models/dpcr.js'
import {parseNumber} from './numbers.js'
import {checkRowWidths, delimitedRows} from './table-rows.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput, Quantity} from './types.js'
import {normaliseWell} from './wells.js'

/**
 * Applied Biosystems QuantStudio Absolute Q digital PCR exports (CSV): the result table (a row
 * per well and dye, with group "Average"/"Pooled" rows), the multichannel table (a row per sample
 * and channel combination), the summary table (a dye line above the header) and the partition
 * table (a row per partition with each dye's fluorescence).
 */

/** The instrument's MAP16 plate. */
const PLATE_WELLS = 16
const CONCENTRATION = ['Conc. cp/uL', 'Copies per microliter', 'Conc.']
const GROUP_ROWS = new Set(['Average', 'Pooled'])
/** Units of known columns; other numeric columns are kept unitless. */
const COLUMN_UNITS: Record<string, string> = {
  Total: '#',
  Positives: '#',
  Count: '#',
  'Conc. cp/uL': '#/µL',
  'Copies per microliter': '#/µL',
  'Conc.': '#/µL',
  SD: '#/µL',
  'CV%': '%',
  '95%CI': '#',
}
const IDENTITY = new Set([
  'Run',
  'Run name',
  'Date',
  'Instrument',
  'Plate',
  'Group',
  'Name',
  'Sample',
  'Well',
  'Well ID',
  'Dye',
  'Channels',
  'Target',
])

function headerIndex(rows: string[][]): number {
  return rows.findIndex((r, i) => i < 3 && (r[0] === 'Run' || r[0] === 'Run name') && r.includes('Total'))
}

function partitionHeader(row: string[]): boolean {
  return row[0] === 'Run' && row.includes('Well ID') && row.includes('Index') && row.some((c) => /^[A-Z]{3}_pos$/.test(c))
}

export const appbioAbsoluteQ: Converter<BuiltinDocument> = {
  name: 'appbio-absolute-q',
  version: '1.0.0',
  technique: 'dPCR',
  description: 'Applied Biosystems QuantStudio Absolute Q digital PCR results (CSV) as ASM dPCR',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0 || looksBinary(head)) return 0
    const lines = decodeText(head.subarray(0, 8192)).split('\n', 3)
    const {rows} = delimitedRows(Buffer.from(lines.join('\n')), ',')
    if (rows.some(partitionHeader)) return 0.9
    const at = headerIndex(rows)
    if (at < 0) return 0
    const header = rows[at]
    return CONCENTRATION.some((c) => header.includes(c)) && (header.includes('Positives') || header.includes('Count')) ? 0.9 : 0
  },

  convert(input: ConverterInput) {
    function invalid(what: string): never {
      throw new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
    }
    if (input.bytes.length === 0 || looksBinary(input.bytes)) invalid('expected an Absolute Q CSV export, found empty or binary content')
    const {rows} = delimitedRows(input.bytes, ',')
    const partitions = rows.findIndex(partitionHeader)
    const at = partitions >= 0 ? partitions : headerIndex(rows)
    if (at < 0) invalid('expected an Absolute Q result header ("Run,...,Total,...") and found none')
    const header = rows[at]
    const body = rows.slice(at + 1).filter((r) => r.some((c) => c !== ''))
    if (body.length === 0) invalid('expected result rows below the header, found none')
    checkRowWidths(input, header, body, at + 1)
    const ids = new IdentifierSequence(input.name)
    const measurements = partitions >= 0 ? partitionMeasurements(header, body, ids) : resultMeasurements(header, rows[at - 1], body, ids)
    const calculated = partitions >= 0 ? [] : groupCalculations(header, body, measurements, ids)
    const first = body[0]
    const column = (name: string) => first[header.indexOf(name)]
    return dpcrDocument(input, appbioAbsoluteQ, {
      device: {
        manufacturer: 'Thermo Fisher Scientific',
        model: 'QuantStudio Absolute Q Digital PCR System',
        deviceIdentifier: column('Instrument'),
      },
      software: {name: 'QuantStudio Absolute Q Digital PCR Software'},
      experimentalDataIdentifier: column('Run') ?? column('Run name'),
      wellCount: PLATE_WELLS,
      measurements: measurements.map(({measurement}) => measurement),
      calculated,
    })
  },
}

interface Row {
  measurement: DpcrMeasurement
  group?: string
}

function numberOr(raw: string | undefined, unit: string): Quantity | undefined {
  return optionalQuantity(parseNumber(raw), unit)
}

function resultMeasurements(header: string[], dyeLine: string[] | undefined, body: string[][], ids: IdentifierSequence): Row[] {
  const at = (row: string[], name: string) => {
    const i = header.indexOf(name)
    return i < 0 ? undefined : row[i]
  }
  const concentration = CONCENTRATION.find((c) => header.includes(c))!
  // The summary layout names the dye once, in the line above the header.
  const summaryDye = dyeLine?.find((c) => c !== '')
  return body
    .filter((row) => !GROUP_ROWS.has(at(row, 'Well') ?? ''))
    .map((row) => {
      const sampleName = at(row, 'Name') || at(row, 'Sample')
      const well = at(row, 'Well') || /^Sample ([A-Za-z]+\d+)$/.exec(sampleName ?? '')?.[1]
      const custom: CustomInformation = {}
      header.forEach((name, i) => {
        if (name === '' || IDENTITY.has(name) || COLUMN_UNITS[name] || row[i] === '') return
        const value = parseNumber(row[i])
        custom[name] = value === undefined ? row[i] : quantity(value, '(unitless)')
      })
      const dye = at(row, 'Dye') || at(row, 'Channels') || summaryDye
      return {
        group: at(row, 'Group') ? `${at(row, 'Group')}|${at(row, 'Target') ?? ''}` : undefined,
        measurement: {
          identifier: ids.next(),
          time: at(row, 'Date'),
          sample: {identifier: sampleName, location: well ? (normaliseWell(well) ?? well) : undefined, plate: at(row, 'Plate')},
          target: at(row, 'Target') || undefined,
          reporterDye: dye || undefined,
          totalPartitions: numberOr(at(row, 'Total'), '#'),
          positivePartitions: numberOr(at(row, 'Positives') ?? at(row, 'Count'), '#'),
          concentration: numberOr(at(row, concentration), '#/µL'),
          confidenceInterval95: numberOr(at(row, '95%CI'), '#'),
          thresholdSetting: numberOr(at(row, 'Threshold'), '(unitless)'),
          custom: Object.keys(custom).length > 0 ? custom : undefined,
        },
      }
    })
}

/** Group rows ("Group 1 (8)", Well "Average"): their averages become calculated data from the group's wells. */
function groupCalculations(header: string[], body: string[][], rows: Row[], ids: IdentifierSequence): CalculatedValue[] {
  const out: CalculatedValue[] = []
  for (const row of body) {
    const kind = row[header.indexOf('Well')]
    if (!GROUP_ROWS.has(kind)) continue
    const group = (row[header.indexOf('Group')] ?? '').replace(/\s*\(\d+\)\s*$/, '')
    const target = header.includes('Target') ? row[header.indexOf('Target')] : ''
    const sources = rows
      .filter((r) => r.group === `${group}|${target}`)
      .map((r) => ({identifier: r.measurement.identifier, feature: 'number concentration'}))
    header.forEach((name, i) => {
      const unit = COLUMN_UNITS[name]
      const value = parseNumber(row[i])
      if (value === undefined || name === '') return
      out.push({
        identifier: ids.next(),
        name: `${kind} ${name}`,
        value: quantity(value, unit ?? '(unitless)'),
        description: [group, target].filter(Boolean).join(' '),
        sources,
      })
    })
  }
  return out
}

/** The partition table: per well and target dye, partition counts and the fluorescence of every partition. */
function partitionMeasurements(header: string[], body: string[][], ids: IdentifierSequence): Row[] {
  const col = (name: string) => header.indexOf(name)
  const dyes = header.filter((c) => /^[A-Z]{3}$/.test(c))
  const reporters = dyes.filter((d) => header.includes(`${d}_target`))
  const passive = dyes.find((d) => !header.includes(`${d}_target`))
  const wells = new Map<string, string[][]>()
  for (const row of body) {
    const well = row[col('Well ID')]
    const list = wells.get(well)
    if (list) list.push(row)
    else wells.set(well, [row])
  }
  const out: Row[] = []
  for (const [well, rows] of wells) {
    rows.sort((a, b) => Number(a[col('Index')]) - Number(b[col('Index')]))
    const index = rows.map((r) => parseNumber(r[col('Index')]) ?? null)
    const first = rows[0]
    for (const dye of reporters) {
      const positive = rows.filter((r) => /^true$/i.test(r[col(`${dye}_pos`)])).length
      const negative = rows.filter((r) => /^false$/i.test(r[col(`${dye}_pos`)])).length
      const cube = (label: string, name: string) => ({
        label,
        dimension: {concept: 'partition index', unit: '#', values: index},
        measures: [{concept: `${label} fluorescence`, unit: 'RFU', values: rows.map((r) => parseNumber(r[col(name)]) ?? null)}],
      })
      out.push({
        measurement: {
          identifier: ids.next(),
          time: first[col('Date')],
          sample: {identifier: first[col('Sample')], location: normaliseWell(well) ?? well, plate: first[col('Plate')]},
          target: first[col(`${dye}_target`)],
          reporterDye: dye,
          passiveReferenceDye: passive,
          totalPartitions: quantity(rows.length, '#'),
          positivePartitions: quantity(positive, '#'),
          negativePartitions: quantity(negative, '#'),
          thresholdSetting: numberOr(first[col(`${dye}_threshold`)], '(unitless)'),
          cubes: [cube('reporter dye', dye), ...(passive ? [cube('passive reference dye', passive)] : [])],
        },
      })
    }
  }
  return out
}
