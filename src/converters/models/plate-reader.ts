import {compact, optionalQuantity} from '../asm.js'
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

/** A device control setting: a quantity, a word or a count, or several of them (a list of wavelengths, flags). */
export type DeviceSetting = Quantity | string | number | DeviceSetting[]

export interface PlateReaderMeasurement {
  identifier: string
  sample: Sample
  label?: string
  readings: Partial<Record<PlateReading, Quantity>>
  cube?: {kind: string; cube: DataCube}
  /** Device control settings of the read: wavelengths, gains, exposure... */
  settings: Record<string, DeviceSetting>
  time?: string
  /** Temperature of the read chamber during this read. */
  compartmentTemperature?: Quantity
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
  /** "well plate" when the file says what holds the samples. */
  containerType?: string
  /** The plate's make and format as the file names it ("96 WELL PLATE"). */
  plateType?: string
  /** Endpoint, kinetic, spectrum... as the file names its reads. */
  readingType?: string
  /** One temperature for the whole plate, or each one the file gives when they differ. */
  compartmentTemperature?: Quantity | Quantity[]
  /** The protocol's steps other than reads (shaking, incubation, kinetic loop), as the file lists them. */
  procedureSteps?: Record<string, unknown>[]
  measurements: PlateReaderMeasurement[]
  custom?: CustomInformation
  /** Lines of the file this converter could not place, kept so that nothing the file says vanishes. */
  unparsedLines?: string[]
}

export interface PlateReaderRun extends TechniqueRun {
  /** Usually one group per well, so each group names one well. */
  groups: PlateReaderGroup[]
  /**
   * Whole sections of the export that ASM has no schema for (a plate's own information block, the
   * protocol listing), each under its own name after the plate reader documents.
   */
  sections?: Record<string, Record<string, unknown> | Record<string, unknown>[]>
}

export function plateReaderDocument(input: ConverterInput, converter: Pick<Converter, 'name' | 'version'>, run: PlateReaderRun) {
  const deviceType = run.device.deviceType ?? 'plate reader'
  // Settings objects are shared by the wells of a read; built once per settings object.
  const controls = new Map<object, Record<string, unknown>>()
  const control = (settings: PlateReaderMeasurement['settings']) => {
    let document = controls.get(settings)
    if (!document) controls.set(settings, (document = {'device control document': [{'device type': deviceType, ...settings}]}))
    return document
  }
  // A well's sample is often shared by its reads: its document is built once too.
  const samples = new Map<Sample, Record<string, unknown>>()
  const sample = (of: Sample) => {
    let document = samples.get(of)
    if (!document) samples.set(of, (document = sampleDocument(of)))
    return document
  }
  const document = techniqueDocument(input, converter, run, {
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
        'container type': group.containerType,
        'plate type': group.plateType,
        'reading type': group.readingType,
        'compartment temperature': group.compartmentTemperature,
        'procedure step document': group.procedureSteps,
        'measurement document': group.measurements.map((m) => measurementDocument(m, sample(m.sample), control(m.settings))),
        'custom information document': customDocument(group.custom),
        'unparsed lines': group.unparsedLines,
      }),
    })),
  })
  if (run.sections) Object.assign(document['plate reader aggregate document'] as Record<string, unknown>, run.sections)
  return document
}

/** Built field by field rather than through compact(): this runs once per well and read, up to a million times a file. */
function measurementDocument(
  m: PlateReaderMeasurement,
  sample: Record<string, unknown>,
  control: Record<string, unknown>,
): Record<string, unknown> {
  const document: Record<string, unknown> = {'measurement identifier': m.identifier}
  if (m.time) document['measurement time'] = m.time
  if (m.label) document['measurement label'] = m.label
  document['sample document'] = sample
  document['device control aggregate document'] = control
  if (m.compartmentTemperature) document['compartment temperature'] = m.compartmentTemperature
  for (const reading in m.readings) {
    const value = m.readings[reading]
    if (value !== undefined) document[reading] = value
  }
  if (m.cube) document[m.cube.kind] = dataCubeDocument(m.cube.cube)
  const errors = errorAggregate(m.errors)
  if (errors) document['error aggregate document'] = errors
  const custom = customDocument(m.custom)
  if (custom) document['custom information document'] = custom
  return document
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

export type PlateReaderDocument = ReturnType<typeof plateReaderDocument>
