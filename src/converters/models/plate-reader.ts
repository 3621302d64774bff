import {compact, optionalQuantity} from '../asm.js'
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
import {type DataCube, dataCubeDocument} from './data-cube.js'

/**
 * Plate readers and plate imagers (ASM plate-reader manifest): per well, one measurement per
 * read, holding its readings under their ASM names ("absorbance", "fluorescence",
 * "luminescence", "spot count"...) with the settings of the read.
 */
export type PlateReading = 'absorbance' | 'fluorescence' | 'luminescence' | 'spot count' | 'mean spot size' | (string & {})

export const READING_UNITS: Record<'absorbance' | 'fluorescence' | 'luminescence', string> = {
  absorbance: 'mAU',
  fluorescence: 'RFU',
  luminescence: 'RLU',
}

export interface PlateReaderMeasurement {
  identifier: string
  sample: Sample
  label?: string
  readings: Partial<Record<PlateReading, Quantity>>
  cube?: {kind: string; cube: DataCube}
  /** Device control settings of the read: wavelengths, gains, exposure... */
  settings: Record<string, Quantity | string | number>
  time?: string
  errors?: ReadingError[]
  custom?: CustomInformation
}

export interface PlateReaderGroup {
  time?: string
  plate?: string
  wellCount?: number
  analyticalMethod?: string
  experimentalDataIdentifier?: string
  analyst?: string
  /** The assay or protocol the file names ("Test name"). */
  experimentType?: string
  measurements: PlateReaderMeasurement[]
  custom?: CustomInformation
}

export interface PlateReaderRun extends TechniqueRun {
  /** Usually one group per well, so each group names one well. */
  groups: PlateReaderGroup[]
}

export function plateReaderDocument(
  input: ConverterInput,
  converter: Pick<Converter, 'name' | 'version'>,
  run: PlateReaderRun,
): EngineeredDocument {
  const deviceType = run.device.deviceType ?? 'plate reader'
  // Settings objects are shared by the wells of a read; built once per settings object.
  const controls = new Map<object, Record<string, unknown>>()
  const control = (settings: PlateReaderMeasurement['settings']) => {
    let document = controls.get(settings)
    if (!document) controls.set(settings, (document = {'device control document': [{'device type': deviceType, ...settings}]}))
    return document
  }
  return techniqueDocument(input, converter, run, {
    name: 'plate reader',
    manifest: 'plate-reader/REC/2024/06/plate-reader.manifest',
    deviceType,
    documents: run.groups.map((group) => ({
      'measurement aggregate document': compact({
        'measurement time': group.time,
        analyst: group.analyst,
        'experiment type': group.experimentType,
        'analytical method identifier': group.analyticalMethod,
        'experimental data identifier': group.experimentalDataIdentifier,
        'well plate identifier': group.plate,
        'plate well count': optionalQuantity(group.wellCount, '#'),
        'measurement document': group.measurements.map((m) =>
          compact({
            'measurement identifier': m.identifier,
            'measurement time': m.time,
            'measurement label': m.label,
            'sample document': sampleDocument(m.sample),
            'device control aggregate document': control(m.settings),
            ...m.readings,
            ...(m.cube ? {[m.cube.kind]: dataCubeDocument(m.cube.cube)} : {}),
            'error aggregate document': errorAggregate(m.errors),
            'custom information document': customDocument(m.custom),
          }),
        ),
        'custom information document': customDocument(group.custom),
      }),
    })),
  })
}

/** Groups measurements by well (and plate), in the order wells first appear. */
export function groupByWell(measurements: PlateReaderMeasurement[], group: Omit<PlateReaderGroup, 'measurements'>): PlateReaderGroup[] {
  const byWell = new Map<string, PlateReaderMeasurement[]>()
  for (const m of measurements) {
    const key = `${m.sample.plate ?? ''}\u0000${m.sample.location ?? ''}`
    const list = byWell.get(key)
    if (list) list.push(m)
    else byWell.set(key, [m])
  }
  return [...byWell.values()].map((list) => ({...group, measurements: list}))
}
