import {compact, dataSystemDocument, optionalQuantity} from '../asm.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import {errorAggregate, type ErrorAggregateDocument, type ReadingError, type Sample, sampleDocument, type SoftwareInfo} from './common.js'

/**
 * Real-time PCR (ASM qPCR manifest, BENCHLING 2023/09): one qPCR document per well, one
 * measurement per target, with the well's amplification and other per-cycle series as datacubes;
 * replicate-group and standard-curve statistics as calculated values naming their wells.
 */
export const QPCR_MANIFEST = 'http://purl.allotrope.org/manifests/pcr/BENCHLING/2023/09/qpcr.manifest'

/** A per-cycle (or per-reading) series as an ASM datacube: the cycle counted as an integer, gaps as null. */
export interface QpcrDataCube {
  label: string
  'cube-structure': {
    dimensions: {'@componentDatatype': string; concept: string; unit: string}[]
    measures: {'@componentDatatype': string; concept: string; unit: string}[]
  }
  data: {dimensions: number[][]; measures: (number | null)[][]}
}

/** Series a well may have besides its amplification, by the name its datacube is filed under. */
export type QpcrSeries = 'multicomponent' | 'raw data' | 'melting curve'

export interface QpcrSample extends Sample {
  /** The biological group the sample belongs to. */
  group?: string
  comments?: string
}

export interface QpcrSettings {
  method?: string
  /** The last cycle of the well's amplification. */
  totalCycles?: number
  chemistry?: string
  reporterDye?: string
  quencherDye?: string
  passiveReferenceDye?: string
}

/** Results of one well and target under their ASM names (cycle threshold, Rn...), flags and text as written. */
export type QpcrResults = Record<string, Quantity | string | boolean>

export interface QpcrMeasurement {
  identifier: string
  time?: string
  target?: string
  sample: QpcrSample
  settings: QpcrSettings
  /** Undefined when the file has no result row for the well and target. */
  results?: QpcrResults
  amplification?: QpcrDataCube
  series: Partial<Record<QpcrSeries, QpcrDataCube>>
  errors: ReadingError[]
}

/** A statistic over replicate wells (mean Cq, RQ, standard curve slope...), naming the measurements it comes from. */
export interface QpcrCalculatedValue {
  identifier: string
  name: string
  target?: string
  value: Quantity
  sources: {identifier: string; location?: string}[]
}

/** A result table the technique has no place for, kept row by row, and `key = value` lines found beside it. */
export interface QpcrAdditionalTable {
  rows?: Record<string, Quantity | string>[]
  notes?: Record<string, string>
}

export interface QpcrRun {
  device: {manufacturer: string; identifier?: string; model?: string; serialNumber?: string}
  software?: SoftwareInfo
  /** The file's experiment header as written. */
  header: Record<string, string>
  analyst?: string
  experimentalDataIdentifier?: string
  experimentType?: string
  wellCount?: number
  wellVolume?: Quantity
  /** Measurements per well, wells in plate order. */
  wells: QpcrMeasurement[][]
  calculated: QpcrCalculatedValue[]
  /** The endogenous control and reference sample of a relative quantification. */
  referenceTarget?: string
  referenceSample?: string
  analysisSettings?: Record<string, Quantity | string>
  additionalTables?: Record<string, QpcrAdditionalTable>
}

export interface QpcrMeasurementDocument {
  'measurement identifier'?: string
  'measurement time'?: string
  'target DNA description'?: string
  'sample document'?: Record<string, unknown>
  'device control aggregate document'?: {
    'device control document': {
      'device type'?: string
      'measurement method identifier'?: string
      'total cycle number setting'?: Quantity
      'PCR detection chemistry'?: string
      'reporter dye setting'?: string
      'quencher dye setting'?: string
      'passive reference dye setting'?: string
    }[]
  }
  'processed data aggregate document'?: {'processed data document': Record<string, QpcrResults[string] | QpcrDataCube>[]}
  'multicomponent data cube'?: QpcrDataCube
  'raw data data cube'?: QpcrDataCube
  'melting curve data cube'?: QpcrDataCube
  'error aggregate document'?: ErrorAggregateDocument
}

/** The engineered document of the qPCR technique, as the compiler checks it. */
export type QpcrDocument = {
  '$asm.manifest': string
  'qPCR aggregate document': {
    'device system document'?: {
      'device identifier'?: string
      'model number'?: string
      'device serial number'?: string
      'product manufacturer'?: string
    }
    'data system document'?: ReturnType<typeof dataSystemDocument>
    'experiment header'?: Record<string, string>
    'qPCR document'?: {
      'measurement aggregate document': {
        analyst?: string
        'experimental data identifier'?: string
        'experiment type'?: string
        'container type'?: string
        'plate well count'?: Quantity
        'well volume'?: Quantity
        'measurement document'?: QpcrMeasurementDocument[]
      }
    }[]
    'calculated data aggregate document'?: {
      'reference DNA description'?: string
      'reference sample description'?: string
      'analysis settings'?: Record<string, Quantity | string>
      'calculated data document'?: {
        'calculated data identifier'?: string
        'calculated data name'?: string
        'target DNA description'?: string
        'calculated result'?: Quantity
        'data source aggregate document'?: {'data source document': {'data source identifier'?: string; 'location identifier'?: string}[]}
      }[]
    }
    'additional tables'?: Record<string, QpcrAdditionalTable>
  }
}

export function qpcrDocument(input: ConverterInput, converter: Pick<Converter, 'name' | 'version'>, run: QpcrRun): QpcrDocument {
  return {
    '$asm.manifest': QPCR_MANIFEST,
    'qPCR aggregate document': compact({
      'device system document': compact({
        'device identifier': run.device.identifier,
        'model number': run.device.model,
        'device serial number': run.device.serialNumber,
        'product manufacturer': run.device.manufacturer,
      }),
      'data system document': dataSystemDocument(input, converter, run.software),
      'experiment header': run.header,
      'qPCR document': run.wells.map((measurements) => ({
        'measurement aggregate document': compact({
          analyst: run.analyst,
          'experimental data identifier': run.experimentalDataIdentifier,
          'experiment type': run.experimentType,
          'container type': 'qPCR reaction block',
          'plate well count': optionalQuantity(run.wellCount, '#'),
          'well volume': run.wellVolume,
          'measurement document': measurements.map(measurementDocument),
        }),
      })),
      'calculated data aggregate document': calculatedAggregate(run),
      'additional tables': run.additionalTables,
    }),
  }
}

function measurementDocument(m: QpcrMeasurement): QpcrMeasurementDocument {
  const {group, comments, properties, ...sample} = m.sample
  const processed =
    m.results || m.amplification ? {...m.results, ...(m.amplification ? {'amplification data cube': m.amplification} : {})} : undefined
  return compact({
    'measurement identifier': m.identifier,
    'measurement time': m.time,
    'target DNA description': m.target,
    'sample document': sampleDocument({...sample, properties: {...compact({'group identifier': group, comments}), ...properties}}),
    'device control aggregate document': {
      'device control document': [
        compact({
          'device type': 'qPCR',
          'measurement method identifier': m.settings.method,
          'total cycle number setting': optionalQuantity(m.settings.totalCycles, '(unitless)'),
          'PCR detection chemistry': m.settings.chemistry,
          'reporter dye setting': m.settings.reporterDye,
          'quencher dye setting': m.settings.quencherDye,
          'passive reference dye setting': m.settings.passiveReferenceDye,
        }),
      ],
    },
    'processed data aggregate document': processed ? {'processed data document': [processed]} : undefined,
    'multicomponent data cube': m.series.multicomponent,
    'raw data data cube': m.series['raw data'],
    'melting curve data cube': m.series['melting curve'],
    'error aggregate document': errorAggregate(m.errors),
  })
}

function calculatedAggregate(run: QpcrRun): QpcrDocument['qPCR aggregate document']['calculated data aggregate document'] {
  if (run.calculated.length === 0 && !run.analysisSettings && run.referenceTarget === undefined && run.referenceSample === undefined)
    return undefined
  return compact({
    'reference DNA description': run.referenceTarget,
    'reference sample description': run.referenceSample,
    'analysis settings': run.analysisSettings,
    'calculated data document': run.calculated.map((c) =>
      compact({
        'calculated data identifier': c.identifier,
        'calculated data name': c.name,
        'target DNA description': c.target,
        'calculated result': c.value,
        'data source aggregate document': {
          'data source document': c.sources.map((s) =>
            compact({'data source identifier': s.identifier, 'location identifier': s.location}),
          ),
        },
      }),
    ),
  })
}
