import {compact} from '../asm.js'
import type {Converter, ConverterInput, EngineeredDocument, Quantity} from '../types.js'
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
export type CellCountingResult =
  | 'viability (cell counter)'
  | 'viable cell density (cell counter)'
  | 'dead cell density (cell counter)'
  | 'total cell density (cell counter)'
  | 'viable cell count'
  | 'dead cell count'
  | 'total cell count'
  | 'average total cell diameter'
  | 'average live cell diameter (cell counter)'
  | 'average dead cell diameter (cell counter)'
  | 'total cell diameter distribution standard deviation'
  | 'cell aggregation percentage'

export type CellCountingSetting =
  'sample volume setting' | 'dilution volume setting' | 'dilution factor setting' | 'cell type processing method'

export interface CellCountingMeasurement {
  identifier: string
  time?: string
  sample: Sample
  results: Partial<Record<CellCountingResult, Quantity>>
  /** Results the schema has no name for, under the file's own names. */
  otherResults?: Record<string, Quantity>
  settings: Partial<Record<CellCountingSetting, Quantity | string>>
  errors?: ReadingError[]
  custom?: CustomInformation
}

export interface CellCountingRun extends TechniqueRun {
  analyst?: string
  measurements: CellCountingMeasurement[]
}

export function cellCountingDocument(
  input: ConverterInput,
  converter: Pick<Converter, 'name' | 'version'>,
  run: CellCountingRun,
): EngineeredDocument {
  const deviceType = run.device.deviceType ?? 'cell counter'
  return techniqueDocument(input, converter, run, {
    name: 'cell counting',
    manifest: 'cell-counting/REC/2024/09/cell-counting.manifest',
    deviceType,
    documents: run.measurements.map((m) =>
      compact({
        analyst: run.analyst,
        'measurement aggregate document': {
          'measurement document': [
            compact({
              'measurement identifier': m.identifier,
              'measurement time': m.time,
              'sample document': sampleDocument(m.sample),
              'device control aggregate document': {'device control document': [{'device type': deviceType, ...m.settings}]},
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
