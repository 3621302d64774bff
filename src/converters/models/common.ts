import {ASM_MANIFEST_BASE, compact, dataSystemDocument} from '../asm.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import {type DataCube, dataCubeDocument, type DataCubeDocument} from './data-cube.js'

/**
 * What every technique's model shares: the instrument, the software, the sample of a
 * measurement, and readings the instrument wrote as words instead of numbers.
 */
export interface DeviceSystem {
  /** Missing only where the file cannot say (the generic converter reads software of any make). */
  manufacturer?: string
  model?: string
  serialNumber?: string
  deviceIdentifier?: string
  deviceType?: string
  /** What else the file says about the instrument, under its own names; a name given twice keeps each value. */
  properties?: Record<string, string | string[]>
}

export interface SoftwareInfo {
  name?: string
  version?: string
}

export interface Sample {
  identifier?: string
  /** Well or position ("A1"). */
  location?: string
  plate?: string
  role?: string
  batch?: string
  /** Anything else the file says about the sample, kept by its own name; a name given twice keeps each value, in a list. */
  properties?: Record<string, SampleProperty | SampleProperty[]>
}

export type SampleProperty = string | number | Quantity

/** A reading the file gives as text ("N/A", "TNTC", "Not determined"), kept as written. */
export interface ReadingError {
  error: string
  feature: string
}

/** Fields a file holds that its technique's schema has no name for, kept as written. */
export type CustomInformation = Record<string, string | number | boolean | Quantity | string[] | null>

export type DeviceSystemDocument = {
  'product manufacturer'?: string
  'model number'?: string
  'equipment serial number'?: string
  'device identifier'?: string
  'device type'?: string
} & {[property: string]: string | string[] | undefined}

function deviceSystemDocument(device: DeviceSystem): DeviceSystemDocument {
  return compact({
    'product manufacturer': device.manufacturer,
    'model number': device.model,
    'equipment serial number': device.serialNumber,
    'device identifier': device.deviceIdentifier,
    'device type': device.deviceType,
    ...device.properties,
  })
}

export type SampleDocument = {
  'sample identifier'?: string
  'location identifier'?: string
  'well plate identifier'?: string
  'sample role type'?: string
  'batch identifier'?: string
} & {[property: string]: SampleProperty | SampleProperty[] | undefined}

export function sampleDocument(sample: Sample): SampleDocument {
  return compact({
    'sample identifier': sample.identifier,
    'location identifier': sample.location,
    'well plate identifier': sample.plate,
    'sample role type': sample.role,
    'batch identifier': sample.batch,
    ...sample.properties,
  })
}

export interface ErrorAggregateDocument {
  'error document': {error: string; 'error feature': string}[]
}

export function errorAggregate(errors: ReadingError[] | undefined): ErrorAggregateDocument | undefined {
  if (!errors || errors.length === 0) return undefined
  return {'error document': errors.map((e) => ({error: e.error, 'error feature': e.feature}))}
}

export function customDocument(custom: CustomInformation | undefined): CustomInformation | undefined {
  return custom && Object.keys(custom).length > 0 ? custom : undefined
}

/** A calculated value and the measurements (or other calculated values) it comes from. */
export interface CalculatedValue {
  identifier: string
  name: string
  /** Missing when the file gives text instead of a number: then `errors` (or `text`) holds it. */
  value?: Quantity
  /** The file's text where it gives no number, written as `error` beside the value (the generic converter's way). */
  text?: string
  sample?: Sample
  /**
   * The well (location, plate, sample identifier) written flat beside the value rather than in a
   * sample document: how the generic converter names a calculated value's well.
   */
  well?: {location: string; plate?: string; sampleIdentifier?: string}
  /** Where each source sits (well and plate), when the file says; the feature when it is known. */
  sources?: CalculatedSource[]
  description?: string
  errors?: ReadingError[]
  /** A value calculated over a series (time, wavelength) is a datacube, not one number. */
  cube?: {kind: string; cube: DataCube}
  custom?: CustomInformation
}

export interface CalculatedSource {
  identifier: string
  feature?: string
  location?: string
  plate?: string
}

export interface DataSourceDocument {
  'data source identifier': string
  'data source feature'?: string
  'location identifier'?: string
  'well plate identifier'?: string
}

export interface DataSourceAggregateDocument {
  'data source document': DataSourceDocument[]
}

export type CalculatedDataDocument = {
  'calculated data identifier': string
  'calculated data name'?: string
  'calculated data description'?: string
  'calculated result'?: Quantity
  error?: string
  'location identifier'?: string
  'well plate identifier'?: string
  'sample identifier'?: string
  'sample document'?: SampleDocument
  'data source aggregate document'?: DataSourceAggregateDocument
  'error aggregate document'?: ErrorAggregateDocument
  'custom information document'?: CustomInformation
} & {[cube: `${string} data cube`]: DataCubeDocument}

export interface CalculatedDataAggregateDocument {
  'calculated data document': CalculatedDataDocument[]
}

export function calculatedAggregate(values: CalculatedValue[]): CalculatedDataAggregateDocument | undefined {
  if (values.length === 0) return undefined
  // Sources are often shared by the values of one well: their aggregate is built once per list.
  const sourceAggregates = new Map<CalculatedSource[], DataSourceAggregateDocument>()
  const sources = (list: CalculatedSource[] | undefined): DataSourceAggregateDocument | undefined => {
    if (!list || list.length === 0) return undefined
    let aggregate = sourceAggregates.get(list)
    if (!aggregate) sourceAggregates.set(list, (aggregate = {'data source document': list.map(sourceDocument)}))
    return aggregate
  }
  return {
    'calculated data document': values.map(
      (c) =>
        compact({
          'calculated data identifier': c.identifier,
          'calculated data name': c.name,
          'calculated data description': c.description,
          'calculated result': c.value,
          error: c.text,
          'location identifier': c.well?.location,
          'well plate identifier': c.well?.plate,
          'sample identifier': c.well?.sampleIdentifier,
          'sample document': c.sample ? sampleDocument(c.sample) : undefined,
          'data source aggregate document': sources(c.sources),
          ...(c.cube ? {[c.cube.kind as `${string} data cube`]: dataCubeDocument(c.cube.cube)} : {}),
          'error aggregate document': errorAggregate(c.errors),
          'custom information document': customDocument(c.custom),
        }) as CalculatedDataDocument,
    ),
  }
}

function sourceDocument(source: CalculatedSource): DataSourceDocument {
  const document: DataSourceDocument = {'data source identifier': source.identifier}
  if (source.feature !== undefined) document['data source feature'] = source.feature
  if (source.location !== undefined) document['location identifier'] = source.location
  if (source.plate !== undefined) document['well plate identifier'] = source.plate
  return document
}

/** A device control setting: a quantity, a word or a count, or several of them (a list of wavelengths, flags). */
export type DeviceSetting = Quantity | string | number | DeviceSetting[]

export type DeviceControlDocument = {'device type': string} & {[setting: string]: DeviceSetting}

/** What every technique's run holds besides its own documents. */
export interface TechniqueRun {
  device: DeviceSystem
  software?: SoftwareInfo
  calculated?: CalculatedValue[]
  custom?: CustomInformation
}

/** The document of a technique named `Name` whose own documents are `Entry`s: the type of every technique mapper's result. */
export type TechniqueDocument<Name extends string, Entry> = {'$asm.manifest': string} & {
  [Aggregate in `${Name} aggregate document`]: {
    'device system document'?: DeviceSystemDocument
    'data system document'?: ReturnType<typeof dataSystemDocument>
    'device control aggregate document'?: {'device control document': DeviceControlDocument[]}
    'calculated data aggregate document'?: CalculatedDataAggregateDocument
    'custom information document'?: CustomInformation
  } & {[Documents in `${Name} document`]?: Entry[]}
}

/**
 * The frame every technique's document shares: its manifest, then the instrument (of
 * `deviceType`, which its device control documents repeat), the software and file, the
 * settings of the whole run, the technique's own documents, the run's calculated values and its
 * custom fields.
 */
export function techniqueDocument<Name extends string, Entry>(
  input: ConverterInput,
  converter: Pick<Converter, 'name' | 'version'>,
  run: TechniqueRun,
  technique: {
    name: Name
    manifest: string
    deviceType: string
    documents: Entry[]
    /** Settings of the whole run that no one measurement owns, in a device control document of the aggregate. */
    runSettings?: Record<string, DeviceSetting>
  },
): TechniqueDocument<Name, Entry> {
  // Keys made from the technique's name are typed by TechniqueDocument, which the compiler cannot infer from a computed key.
  return {
    '$asm.manifest': `${ASM_MANIFEST_BASE}/${technique.manifest}`,
    [`${technique.name} aggregate document`]: compact({
      'device system document': deviceSystemDocument({...run.device, deviceType: technique.deviceType}),
      'data system document': dataSystemDocument(input, converter, run.software),
      'device control aggregate document': technique.runSettings
        ? {'device control document': [{'device type': technique.deviceType, ...technique.runSettings}]}
        : undefined,
      [`${technique.name} document`]: technique.documents,
      'calculated data aggregate document': calculatedAggregate(run.calculated ?? []),
      'custom information document': customDocument(run.custom),
    }),
  } as TechniqueDocument<Name, Entry>
}

/** Identifiers counting up in file order, so converting a file twice gives the same document. */
export class IdentifierSequence {
  private count = 0
  constructor(private readonly prefix: string) {}
  next(): string {
    return `${this.prefix}_${++this.count}`
  }
}
