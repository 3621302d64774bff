import {compact, optionalQuantity} from '../asm.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import {
  customDocument,
  type CustomInformation,
  type DeviceControlDocument,
  type DeviceSetting,
  errorAggregate,
  type ErrorAggregateDocument,
  type ReadingError,
  type Sample,
  sampleDocument,
  type SampleDocument,
  type TechniqueDocument,
  techniqueDocument,
  type TechniqueRun,
} from './common.js'
import {type DataCube, dataCubeDocument, type DataCubeDocument} from './data-cube.js'

export type {DeviceSetting} from './common.js'

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
  /** Settings of the whole run that no one read owns (a header's temperature, gain...), under the file's own names. */
  runSettings?: Record<string, DeviceSetting>
  /** What the file holds beside its wells' measurements, entry by entry, in the custom information aggregate document. */
  notes?: PlateReaderNote[]
}

/**
 * One thing a file says beside its measurements (the generic converter keeps every such thing
 * of a file it does not know): a well it describes but does not measure, a header line of text
 * and numbers, lines of text alone, a series every well shares (e.g. the temperature at each
 * time point), or a row of a table that names no well.
 */
export type PlateReaderNote =
  | {kind: 'unmeasured well'; sample: Sample}
  | {kind: 'text'; text: string; values: Quantity[]}
  | {kind: 'text lines'; lines: string[]}
  | {kind: 'shared series'; cube: DataCube}
  | {kind: 'table row'; table: string; index: number; fields: Record<string, Quantity | string>}

export type PlateReaderNoteDocument =
  | SampleDocument
  | {text: string; values: Quantity[]}
  | {'text lines': string[]}
  | {'series label': string; 'data cube': DataCubeDocument}
  | ({'table name': string; 'row index': number} & {[field: string]: Quantity | string | number})

export type PlateReaderMeasurementDocument = {
  'measurement identifier': string
  'measurement time'?: string
  'measurement label'?: string
  'sample document': SampleDocument
  'device control aggregate document': {'device control document': DeviceControlDocument[]}
  'compartment temperature'?: Quantity
  'error aggregate document'?: ErrorAggregateDocument
  'custom information document'?: CustomInformation
} & {[readingOrCube: string]: Quantity | DataCubeDocument}

export interface PlateReaderDocumentEntry {
  'measurement aggregate document': {
    'measurement time'?: string
    analyst?: string
    'experiment type'?: string
    'analytical method identifier'?: string
    'experimental data identifier'?: string
    'well plate identifier'?: string
    'plate well count'?: Quantity
    'container type'?: string
    'plate type'?: string
    'reading type'?: string
    'compartment temperature'?: Quantity | Quantity[]
    'procedure step document'?: Record<string, unknown>[]
    'measurement document': PlateReaderMeasurementDocument[]
    'custom information document'?: CustomInformation
    'unparsed lines'?: string[]
  }
}

/** The engineered document of the plate-reader technique, as the compiler checks it. */
export type PlateReaderDocument = TechniqueDocument<'plate reader', PlateReaderDocumentEntry> & {
  'plate reader aggregate document': {
    'custom information aggregate document'?: {'custom information document': PlateReaderNoteDocument[]}
  }
}

export function plateReaderDocument(
  input: ConverterInput,
  converter: Pick<Converter, 'name' | 'version'>,
  run: PlateReaderRun,
): PlateReaderDocument {
  const deviceType = run.device.deviceType ?? 'plate reader'
  // Settings objects are shared by the wells of a read; built once per settings object.
  const controls = new Map<object, {'device control document': DeviceControlDocument[]}>()
  const control = (settings: PlateReaderMeasurement['settings']) => {
    let document = controls.get(settings)
    if (!document) controls.set(settings, (document = {'device control document': [{'device type': deviceType, ...settings}]}))
    return document
  }
  // A well's sample is often shared by its reads: its document is built once too.
  const samples = new Map<Sample, SampleDocument>()
  const sample = (of: Sample) => {
    let document = samples.get(of)
    if (!document) samples.set(of, (document = sampleDocument(of)))
    return document
  }
  const document: PlateReaderDocument = techniqueDocument(input, converter, run, {
    name: 'plate reader',
    manifest: 'plate-reader/REC/2024/06/plate-reader.manifest',
    deviceType,
    runSettings: run.runSettings,
    documents: run.groups.map((group) => ({
      // compact() keeps every field given: the measurement documents always.
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
      }) as PlateReaderDocumentEntry['measurement aggregate document'],
    })),
  })
  const aggregate = document['plate reader aggregate document']
  if (run.notes && run.notes.length > 0)
    aggregate['custom information aggregate document'] = {
      'custom information document': run.notes.map((note) => noteDocument(note, sample)),
    }
  if (run.sections) Object.assign(aggregate, run.sections)
  return document
}

function noteDocument(note: PlateReaderNote, sample: (of: Sample) => SampleDocument): PlateReaderNoteDocument {
  switch (note.kind) {
    case 'unmeasured well':
      return sample(note.sample)
    case 'text':
      return {text: note.text, values: note.values}
    case 'text lines':
      return {'text lines': note.lines}
    case 'shared series':
      return {'series label': note.cube.label, 'data cube': dataCubeDocument(note.cube)}
    case 'table row':
      return {'table name': note.table, 'row index': note.index, ...note.fields}
  }
}

/** Built field by field rather than through compact(): this runs once per well and read, up to a million times a file. */
function measurementDocument(
  m: PlateReaderMeasurement,
  sample: SampleDocument,
  control: PlateReaderMeasurementDocument['device control aggregate document'],
): PlateReaderMeasurementDocument {
  // Keys are added in the order ASM lists them; the readings' and cube's names come from the file.
  const document = {'measurement identifier': m.identifier} as PlateReaderMeasurementDocument
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
