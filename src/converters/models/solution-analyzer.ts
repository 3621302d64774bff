import {compact, dataSystemDocument} from '../asm.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import type {DeviceSystem, SoftwareInfo} from './common.js'

/**
 * Bioprocess chemistry analyzers (ASM solution-analyzer manifest): per sample, one measurement per
 * run of tests, one analyte document per test with its reading under the ASM name of its unit.
 */
export const SOLUTION_ANALYZER_MANIFEST = 'http://purl.allotrope.org/manifests/solution-analyzer/REC/2024/09/solution-analyzer.manifest'

const DEVICE_TYPE = 'solution-analyzer'

/** A reading by the ASM name its unit files it under; `reported result` keeps the value as the file wrote it when that differs. */
export type AnalyteReadings = Partial<
  Record<'mass concentration' | 'molar concentration' | 'volume concentration' | 'absorbance' | 'reported result', Quantity>
>

export interface Analyte {
  name: string
  /** The test code as the file writes it ("GLC3B"). */
  code: string
  readings: AnalyteReadings
  time?: string
  /** A dilution as a factor, or as written when it is not "1/n". */
  dilution?: Quantity | string
  testDilution?: Quantity | string
  flag?: string
  /** The test's raw measurement, a number when it is one. */
  rawValue?: Quantity | string
  status?: string
  /** Cells beyond the columns the archive's layout names, kept as written. */
  additionalFields?: string[]
  /** The file's text when it gives no number ("< 20.00"), and the range that text states. */
  error?: {text: string; lower?: AnalyteReadings; upper?: AnalyteReadings}
}

export interface SolutionAnalyzerMeasurement {
  identifier: string
  time?: string
  sample: {identifier?: string; batch?: string; role?: string}
  analytes: Analyte[]
}

export interface SolutionAnalyzerRun {
  device: Omit<DeviceSystem, 'deviceIdentifier' | 'deviceType'>
  software?: SoftwareInfo
  /** The archive's own format version and the period it exports. */
  file?: {formatVersion?: string; periodStart?: string; periodEnd?: string}
  analyst?: string
  processingTime?: string
  /** Measurements per sample, samples in order of first appearance. */
  samples: SolutionAnalyzerMeasurement[][]
  /** Records of kinds the technique has no place for, cells as written. */
  unparsedRecords?: string[][]
}

export interface AnalyteDocument extends AnalyteReadings {
  'analyte name'?: string
  'analyte code'?: string
  'measurement time'?: string
  'dilution factor setting'?: Quantity | string
  'test dilution factor setting'?: Quantity | string
  flag?: string
  'raw value'?: Quantity | string
  'record status'?: string
  'additional fields'?: string[]
  error?: string
}

export interface SolutionAnalyzerErrorDocument {
  error: string
  'error feature': string
  'result interval'?: {'lower bound'?: AnalyteReadings; 'upper bound'?: AnalyteReadings}
}

/** The engineered document of the solution-analyzer technique, as the compiler checks it. */
export type SolutionAnalyzerDocument = {
  '$asm.manifest': string
  'solution analyzer aggregate document': {
    'device system document'?: {
      'model number'?: string
      'equipment serial number'?: string
      'product manufacturer'?: string
      'device type'?: string
    }
    'data system document'?: ReturnType<typeof dataSystemDocument> & {
      'file format version'?: string
      'export period start'?: string
      'export period end'?: string
    }
    'solution analyzer document'?: {
      analyst?: string
      'measurement aggregate document': {
        'data processing time'?: string
        'measurement document': {
          'measurement identifier'?: string
          'measurement time'?: string
          'sample document'?: {'sample identifier'?: string; 'batch identifier'?: string; 'sample role type'?: string}
          'device control aggregate document'?: {'device control document': {'device type': string}[]}
          'analyte aggregate document'?: {'analyte document': AnalyteDocument[]}
          'error aggregate document'?: {'error document': SolutionAnalyzerErrorDocument[]}
        }[]
      }
    }[]
    'unparsed records'?: string[][]
  }
}

export function solutionAnalyzerDocument(
  input: ConverterInput,
  converter: Pick<Converter, 'name' | 'version'>,
  run: SolutionAnalyzerRun,
): SolutionAnalyzerDocument {
  return {
    '$asm.manifest': SOLUTION_ANALYZER_MANIFEST,
    'solution analyzer aggregate document': compact({
      'device system document': compact({
        'model number': run.device.model,
        'equipment serial number': run.device.serialNumber,
        'product manufacturer': run.device.manufacturer,
        'device type': DEVICE_TYPE,
      }),
      'data system document': {
        ...dataSystemDocument(input, converter, run.software),
        ...compact({
          'file format version': run.file?.formatVersion,
          'export period start': run.file?.periodStart,
          'export period end': run.file?.periodEnd,
        }),
      },
      'solution analyzer document': run.samples.map((measurements) => ({
        ...compact({analyst: run.analyst}),
        'measurement aggregate document': {
          ...compact({'data processing time': run.processingTime}),
          'measurement document': measurements.map(measurementDocument),
        },
      })),
      'unparsed records': run.unparsedRecords?.length ? run.unparsedRecords : undefined,
    }),
  }
}

function measurementDocument(m: SolutionAnalyzerMeasurement) {
  const errors = m.analytes.flatMap((a) => (a.error ? [errorDocument(a.name, a.error)] : []))
  return compact({
    'measurement identifier': m.identifier,
    'measurement time': m.time,
    'sample document': compact({
      'sample identifier': m.sample.identifier,
      'batch identifier': m.sample.batch,
      'sample role type': m.sample.role,
    }),
    'device control aggregate document': {'device control document': [{'device type': DEVICE_TYPE}]},
    'analyte aggregate document': {'analyte document': m.analytes.map(analyteDocument)},
    'error aggregate document': errors.length > 0 ? {'error document': errors} : undefined,
  })
}

function analyteDocument(a: Analyte): AnalyteDocument {
  return compact({
    'analyte name': a.name,
    'analyte code': a.code,
    ...a.readings,
    'measurement time': a.time,
    'dilution factor setting': a.dilution,
    'test dilution factor setting': a.testDilution,
    flag: a.flag,
    'raw value': a.rawValue,
    'record status': a.status,
    'additional fields': a.additionalFields?.length ? a.additionalFields : undefined,
    error: a.error?.text,
  })
}

function errorDocument(feature: string, error: NonNullable<Analyte['error']>): SolutionAnalyzerErrorDocument {
  const document: SolutionAnalyzerErrorDocument = {error: error.text, 'error feature': feature}
  if (error.lower || error.upper) document['result interval'] = compact({'lower bound': error.lower, 'upper bound': error.upper})
  return document
}
