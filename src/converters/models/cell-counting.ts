import {compact} from '../asm.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import {
  customDocument,
  type CustomInformation,
  errorAggregate,
  type ReadingError,
  type Sample,
  sampleDocument,
  techniqueDocument,
  type TechniqueRun,
} from './common.js'

/** Cell counting (ASM cell-counting manifest): one measurement per counted sample. */
export const CELL_COUNTING_RESULTS = [
  'viability (cell counter)',
  'viable cell density (cell counter)',
  'dead cell density (cell counter)',
  'total cell density (cell counter)',
  'viable cell count',
  'dead cell count',
  'total cell count',
  'average total cell diameter',
  'average live cell diameter (cell counter)',
  'average dead cell diameter (cell counter)',
  'average total cell circularity',
  'average viable cell circularity',
  'total cell diameter distribution standard deviation',
  'cell aggregation percentage',
] as const
export type CellCountingResult = (typeof CELL_COUNTING_RESULTS)[number]

export const CELL_COUNTING_SETTINGS = [
  'sample volume setting',
  'dilution volume setting',
  'dilution factor setting',
  'cell type processing method',
] as const
export type CellCountingSetting = (typeof CELL_COUNTING_SETTINGS)[number]

export function isCellCountingResult(name: string): name is CellCountingResult {
  return (CELL_COUNTING_RESULTS as readonly string[]).includes(name)
}

export function isCellCountingSetting(name: string): name is CellCountingSetting {
  return (CELL_COUNTING_SETTINGS as readonly string[]).includes(name)
}

export interface CellCountingMeasurement {
  identifier: string
  time?: string
  /** Who counted this sample, when it differs from the run's analyst. */
  analyst?: string
  /** A count analysed again later: when, and by whom. */
  reanalysisTime?: string
  reanalyst?: string
  sample: Sample
  results: Partial<Record<CellCountingResult, Quantity>>
  /** Results the schema has no name for, under the file's own names (text when the file gives no number). */
  otherResults?: Record<string, Quantity | string>
  settings: Partial<Record<CellCountingSetting, Quantity | string>>
  /** Settings the schema has no name for, under the file's own names. */
  otherSettings?: Record<string, Quantity | string>
  errors?: ReadingError[]
  custom?: CustomInformation
}

export interface CellCountingRun extends TechniqueRun {
  analyst?: string
  measurements: CellCountingMeasurement[]
}

/** The engineered document of the cell counting technique, as the compiler checks it. */
export type CellCountingDocument = ReturnType<typeof cellCountingDocument>

export function cellCountingDocument(input: ConverterInput, converter: Pick<Converter, 'name' | 'version'>, run: CellCountingRun) {
  const deviceType = run.device.deviceType ?? 'cell counter'
  return techniqueDocument(input, converter, run, {
    name: 'cell counting',
    manifest: 'cell-counting/REC/2024/09/cell-counting.manifest',
    deviceType,
    documents: run.measurements.map((m) =>
      compact({
        analyst: m.analyst ?? run.analyst,
        reanalyst: m.reanalyst,
        'measurement aggregate document': {
          'measurement document': [
            compact({
              'measurement identifier': m.identifier,
              'measurement time': m.time,
              'reanalysis time': m.reanalysisTime,
              'sample document': sampleDocument(m.sample),
              'device control aggregate document': {
                'device control document': [{'device type': deviceType, ...m.settings, ...m.otherSettings}],
              },
              'processed data aggregate document': {'processed data document': [{...m.results, ...m.otherResults}]},
              'error aggregate document': errorAggregate(m.errors),
              'custom information document': customDocument(m.custom),
            }),
          ],
        },
      }),
    ),
  })
}
