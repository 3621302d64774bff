import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {optionalQuantity, quantity} from './asm.js'
import {scanQuantities} from './generic/header-block.js'
import {type CalculatedValue, IdentifierSequence} from './models/common.js'
import {type MultiAnalyteMeasurement, multiAnalyteProfilingDocument} from './models/multi-analyte-profiling.js'
import {parseNumber} from './numbers.js'
import {delimitedRows} from './table-rows.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput} from './types.js'
import {normaliseWell} from './wells.js'

/**
 * Luminex xPONENT batch exports (CSV): instrument and protocol header lines, calibration
 * results, then "DataType:" tables (Median, Count, Net MFI, ... per well and analyte), ending
 * with a "-- CRC --" checksum line that a complete export always carries.
 */
const END_MARKER = /^-- CRC --$/

export const luminexXponent: Converter<BuiltinDocument> = {
  name: 'luminex-xponent',
  version: '1.0.0',
  technique: 'multi analyte profiling',
  description: 'Luminex xPONENT multiplex bead assay results (CSV) as ASM multi analyte profiling',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0 || looksBinary(head)) return 0
    const text = decodeText(head.subarray(0, 32 * 1024))
    const program = /^"?Program"?,"?xPONENT/m.test(text)
    const dataType = /^"?DataType:"?,/m.test(text)
    return program ? (dataType ? 0.95 : 0.8) : 0
  },

  convert(input: ConverterInput) {
    function invalid(what: string): never {
      throw new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
    }
    if (input.bytes.length === 0 || looksBinary(input.bytes)) invalid('expected an xPONENT CSV export, found empty or binary content')
    const {rows} = delimitedRows(input.bytes, ',')
    const trimmed = rows.map((r) => {
      const cells = [...r]
      while (cells.length > 0 && cells.at(-1) === '') cells.pop()
      return cells
    })
    if (!trimmed.some((r) => END_MARKER.test(r[0] ?? ''))) {
      invalid('expected a complete xPONENT export ending with the "-- CRC --" line, found none (truncated file?)')
    }
    const header = new Map<string, string[]>()
    const tables = new Map<string, string[][]>()
    let current: string[][] | undefined
    for (const row of trimmed) {
      if (row.length === 0) {
        current = undefined
        continue
      }
      if (row[0] === 'DataType:') {
        tables.set(row[1] ?? '', (current = []))
        continue
      }
      if (current) current.push(row)
      else if (tables.size === 0 && !header.has(row[0])) header.set(row[0], row.slice(1))
    }
    const median = tables.get('Median')
    if (!median || median.length < 2) invalid('expected a "DataType: Median" table of wells and analytes, found none')
    const columns = median[0]
    const analytes = columns.slice(2).filter((c) => c !== 'Total Events')
    const beads = beadsOf(tables.get('Units') ?? tables.get('Per Bead Count'))
    const counts = byLocation(tables.get('Count'))
    const dilutions = byLocation(tables.get('Dilution Factor'))
    const netMfi = byLocation(tables.get('Net MFI'))
    const ids = new IdentifierSequence(input.name)
    const calculated: CalculatedValue[] = []
    const measurements = median.slice(1).map((row): MultiAnalyteMeasurement => {
      if (row.length < 2) invalid(`the Median row "${row.join(',')}" has no sample`)
      const [location, sampleName] = row
      const m = /^\d+\((\d+),([A-Z]{1,2}\d{1,3})\)$/.exec(location)
      const well = m ? normaliseWell(m[2]) : undefined
      const sample = {identifier: sampleName, location: well ?? location, plate: m ? `plate ${m[1]}` : undefined}
      const identifier = ids.next()
      const count = counts.get(location)
      const readings = analytes.map((name) => {
        const c = columns.indexOf(name)
        const raw = row[c] ?? ''
        const fluorescence = parseNumber(raw)
        const beadCount = parseNumber(count?.[c])
        return {
          name,
          beadIdentifier: beads.get(name),
          beadCount: optionalQuantity(beadCount, '#'),
          fluorescence: optionalQuantity(fluorescence, 'RFU'),
          errors: fluorescence === undefined ? [{error: raw || 'not reported', feature: 'fluorescence'}] : undefined,
        }
      })
      const net = netMfi.get(location)
      for (const name of analytes) {
        const value = parseNumber(net?.[columns.indexOf(name)])
        if (value !== undefined) {
          calculated.push({
            identifier: ids.next(),
            name: `${name} Net MFI`,
            value: quantity(value, 'RFU'),
            sample,
            sources: [{identifier, feature: 'fluorescence'}],
          })
        }
      }
      const total = parseNumber(row[columns.indexOf('Total Events')])
      const dilution = parseNumber(dilutions.get(location)?.[2])
      return {
        identifier,
        sample,
        dilutionFactor: optionalQuantity(dilution, '(unitless)'),
        totalEvents: optionalQuantity(total, '#'),
        analytes: readings,
      }
    })
    const first = (key: string) => header.get(key)?.[0]
    const plate = header.get('ProtocolPlate') ?? []
    const samples = header.get('Samples') ?? []
    const settings: Record<string, ReturnType<typeof quantity> | string> = {}
    const volume = scanQuantities(first('SampleVolume') ?? '', 'SampleVolume', false)[0]
    if (volume) settings['sample volume setting'] = volume.unit === 'µL' ? volume : quantity(volume.value, volume.unit)
    const minEvents = parseNumber(samples[samples.indexOf('Min Events') + 1])
    if (samples.includes('Min Events') && minEvents !== undefined) settings['minimum assay bead count setting'] = quantity(minEvents, '#')
    const gain = first('ProtocolReporterGain')
    if (gain) settings['detector gain setting'] = gain
    const date = header.get('Date')
    return multiAnalyteProfilingDocument(input, luminexXponent, {
      device: {
        manufacturer: 'Luminex',
        model: first('Program') === 'xPONENT' ? header.get('Program')?.[2] : undefined,
        serialNumber: first('SN'),
      },
      software: {name: 'xPONENT', version: first('Build')},
      analyst: first('Operator'),
      time: first('BatchStartTime') ?? date?.join(' '),
      experimentalDataIdentifier: first('Batch'),
      wellCount: parseNumber(plate[plate.indexOf('Type') + 1]),
      settings,
      measurements,
      calculated,
      custom: Object.fromEntries(
        [...header].filter(([key]) => key !== '' && !key.endsWith(':')).map(([key, values]) => [key, values.join(' ')]),
      ),
    })
  },
}

/** Rows of a per-well table by their Location cell ("1(1,A1)"). */
function byLocation(table: string[][] | undefined): Map<string, string[]> {
  return new Map((table ?? []).slice(1).map((row) => [row[0], row]))
}

/** Analyte name -> bead region from a table with "Analyte:" and "BeadID:" lines. */
function beadsOf(table: string[][] | undefined): Map<string, string> {
  const names = table?.find((r) => r[0] === 'Analyte:')?.slice(1) ?? []
  const beads = table?.find((r) => r[0] === 'BeadID:')?.slice(1) ?? []
  return new Map(names.map((name, i) => [name, beads[i]]))
}
