import {compact} from '../asm.js'
import type {Converter, ConverterInput, EngineeredDocument, Quantity} from '../types.js'
import {
  customDocument,
  type CustomInformation,
  dataSystem,
  type DeviceSystem,
  deviceSystemDocument,
  errorAggregate,
  manifest,
  type ReadingError,
  type Sample,
  sampleDocument,
  type SoftwareInfo,
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

export interface CellCountingRun {
  device: DeviceSystem
  software?: SoftwareInfo
  analyst?: string
  measurements: CellCountingMeasurement[]
  custom?: CustomInformation
}

export function cellCountingDocument(
  input: ConverterInput,
  converter: Pick<Converter, 'name' | 'version'>,
  run: CellCountingRun,
): EngineeredDocument {
  const deviceType = run.device.deviceType ?? 'cell counter'
  return {
    '$asm.manifest': manifest('cell-counting/REC/2024/09/cell-counting.manifest'),
    'cell counting aggregate document': compact({
      'device system document': deviceSystemDocument({...run.device, deviceType}),
      'data system document': dataSystem(input, converter, run.software),
      'cell counting document': run.measurements.map((m) =>
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
      'custom information document': customDocument(run.custom),
    }),
  }
}
