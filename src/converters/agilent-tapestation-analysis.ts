import {XMLParser} from 'fast-xml-parser'

import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {optionalQuantity, quantity} from './asm.js'
import {unitWord} from './generic/units.js'
import type {ElectrophoresisMeasurement, ElectrophoresisPeak} from './models/electrophoresis.js'
import {electrophoresisDocument} from './models/electrophoresis.js'
import {parseNumber} from './numbers.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput, Quantity} from './types.js'

/**
 * Agilent TapeStation Analysis software XML exports: file and ScreenTape information (run
 * temperature and time, instrument), the assay's units, and per sample (well) its
 * concentration, RNA integrity, peaks and size regions.
 */
type Node = Record<string, unknown>

const SAMPLE_FIELDS = new Set([
  'WellNumber',
  'Comment',
  'Concentration',
  'Observations',
  'Alert',
  'ScreenTapeID',
  'Peaks',
  'Regions',
  'RNA',
  'DNA',
])

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ['ScreenTape', 'Sample', 'Peak', 'Region'].includes(name),
})

function text(node: unknown): string {
  return typeof node === 'string' ? node.trim() : typeof node === 'number' ? String(node) : ''
}

export const agilentTapestationAnalysis: Converter<BuiltinDocument> = {
  name: 'agilent-tapestation-analysis',
  version: '1.0.0',
  technique: 'electrophoresis',
  description: 'Agilent TapeStation Analysis XML exports (samples, peaks, regions, RINe/DIN) as ASM electrophoresis',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0 || looksBinary(head)) return 0
    const start = decodeText(head.subarray(0, 8192))
    return /<File>\s*<FileInformation>/.test(start) && /<ScreenTapes?>|<Assay>|RINeVersion|DINVersion/.test(start) ? 0.95 : 0
  },

  convert(input: ConverterInput) {
    function invalid(what: string): never {
      throw new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
    }
    if (input.bytes.length === 0 || looksBinary(input.bytes)) invalid('expected a TapeStation XML export, found empty or binary content')
    const xml = decodeText(input.bytes)
    // The export closes with </File>: anything cut short lacks it (cheaper than validating the whole XML first).
    if (!/<\/File>\s*$/.test(xml)) invalid('expected the XML export to end with </File>: the file looks truncated')
    let file: Node | undefined
    try {
      file = (parser.parse(xml) as Node).File as Node | undefined
    } catch (error) {
      invalid(`not well-formed XML (${(error as Error).message})`)
    }
    const samples = ((file?.Samples as Node | undefined)?.Sample ?? []) as Node[]
    if (!file || samples.length === 0) invalid('expected a <File> with <Samples>, found none')
    const info = (file.FileInformation ?? {}) as Node
    const assay = (file.Assay ?? {}) as Node
    const units = ((assay.Units ?? {}) as Node) ?? {}
    const concentrationUnit = unitOf(text(units.ConcentrationUnit))
    const molarityUnit = unitOf(text(units.MolarityUnit))
    const tapes = new Map(
      (((file.ScreenTapes as Node | undefined)?.ScreenTape as Node[] | undefined) ?? []).map((t) => [text(t.ScreenTapeID), t]),
    )
    const firstTape = [...tapes.values()][0]
    const environment = (firstTape?.Environment ?? {}) as Node

    const measurements = samples.map((sample, index): ElectrophoresisMeasurement => {
      const id = `${input.name}_${index + 1}`
      const tape = tapes.get(text(sample.ScreenTapeID))
      const settings: Record<string, Quantity | string> = {}
      const temperature = parseNumber(text(tape?.ElectrophoresisTemp))
      if (temperature !== undefined) settings['compartment temperature'] = quantity(temperature, 'degC')
      const duration = parseNumber(text(tape?.ElectrophoresisTime))
      if (duration !== undefined) settings['electrophoresis time'] = quantity(duration, 's')
      const results: Record<string, Quantity | string> = {}
      const concentration = parseNumber(text(sample.Concentration))
      if (concentration !== undefined) results['mass concentration'] = quantity(concentration, concentrationUnit)
      // RINe, DIN and ratios: dimensionless numbers named by their tag.
      for (const group of ['RNA', 'DNA'] as const) {
        const node = sample[group]
        if (node && typeof node === 'object') {
          for (const [key, value] of Object.entries(node as Node)) {
            const n = parseNumber(text(value))
            results[key] = n === undefined ? text(value) : quantity(n, '(unitless)')
          }
        }
      }
      // Integrity numbers written directly on the sample (DIN, PercentageCfDNA): percentages by name, else dimensionless.
      for (const [key, value] of Object.entries(sample)) {
        if (SAMPLE_FIELDS.has(key) || typeof value !== 'string') continue
        const n = parseNumber(value)
        if (n !== undefined) results[key] = quantity(n, /percent/i.test(key) ? '%' : '(unitless)')
      }
      const peaks = ((sample.Peaks as Node | undefined)?.Peak ?? []) as Node[]
      const regions = ((sample.Regions as Node | undefined)?.Region ?? []) as Node[]
      return {
        identifier: id,
        time: text(tape?.TapeRunDate) || undefined,
        sample: {
          identifier: text(sample.Comment) || text(sample.WellNumber),
          location: text(sample.WellNumber),
          batch: text(sample.ScreenTapeID) || undefined,
        },
        settings,
        results,
        peaks: peaks.map((p, k) => peakOf(p, `${id}_peak_${k + 1}`, concentrationUnit, molarityUnit)),
        regions: regions.map((r, k) => regionOf(r, `${id}_region_${k + 1}`, concentrationUnit, molarityUnit)),
        custom: {observations: text(sample.Observations) || null, alert: text(sample.Alert) || null},
      }
    })
    return electrophoresisDocument(input, agilentTapestationAnalysis, {
      device: {manufacturer: 'Agilent', model: 'TapeStation', serialNumber: text(environment.InstrumentSerialNumber) || undefined},
      software: {name: 'TapeStation Analysis Software', version: text(environment.AnalysisVersion) || undefined},
      analyst: text(environment.Experimenter) || undefined,
      analyticalMethod: text(info.Assay) || undefined,
      measurements,
      custom: {'file name': text(info.FileName) || null, 'run end date': text(info.RunEndDate) || null},
    })
  },
}

/** "ng/µl" -> ng/µL, "nmol/l" -> nmol/L, "pg/µl" -> pg/µL: ASM spellings of the assay's units. */
function unitOf(raw: string): string {
  if (raw === '') return '(unitless)'
  return unitWord(raw) ?? raw.replace(/l$/, 'L').replace(/μ/g, 'µ')
}

function numberQuantity(node: unknown, unit: string): Quantity | undefined {
  return optionalQuantity(parseNumber(text(node)), unit)
}

function peakOf(p: Node, identifier: string, concentrationUnit: string, molarityUnit: string): ElectrophoresisPeak {
  return {
    identifier,
    name: text(p.Observations) || text(p.Number) || undefined,
    size: numberQuantity(p.Size, '#'),
    start: numberQuantity(p.FromMW, '#'),
    end: numberQuantity(p.ToMW, '#'),
    area: numberQuantity(p.Area, '(unitless)'),
    relativeArea: numberQuantity(p.PercentOfTotal, '%'),
    relativeCorrectedArea: numberQuantity(p.PercentIntegratedArea, '%'),
    height: numberQuantity(p.Height, 'RFU'),
    concentration: numberQuantity(p.CalibratedQuantity, concentrationUnit),
    molarity: numberQuantity(p.Molarity, molarityUnit),
    other: compactOther({
      'assigned quantity': numberQuantity(p.AssignedQuantity, concentrationUnit),
      'relative start position': numberQuantity(p.FromPercent, '(unitless)'),
      'relative end position': numberQuantity(p.ToPercent, '(unitless)'),
      'run distance': numberQuantity(p.RunDistance, '(unitless)'),
      'peak number': numberQuantity(p.Number, '(unitless)'),
      comment: text(p.Comment) || undefined,
    }),
  }
}

function regionOf(r: Node, identifier: string, concentrationUnit: string, molarityUnit: string): ElectrophoresisPeak {
  return {
    identifier,
    name: text(r.Comment) || undefined,
    start: numberQuantity(r.From, '#'),
    end: numberQuantity(r.To, '#'),
    size: numberQuantity(r.AverageSize, '#'),
    area: numberQuantity(r.Area, '(unitless)'),
    relativeArea: numberQuantity(r.PercentOfTotal, '%'),
    concentration: numberQuantity(r.Concentration, concentrationUnit),
    molarity: numberQuantity(r.Molarity, molarityUnit),
    other: compactOther({'automatically added': text(r.IsAutoAddedRegion) || undefined}),
  }
}

function compactOther(record: Record<string, Quantity | string | undefined>): Record<string, Quantity | string> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Record<string, Quantity | string>
}
