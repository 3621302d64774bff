import {ASM_MANIFEST_BASE, compact, dataSystemDocument} from '../asm.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'

/**
 * What every technique's model shares: the instrument, the software, the sample of a
 * measurement, and readings the instrument wrote as words instead of numbers.
 */
export interface DeviceSystem {
  manufacturer: string
  model?: string
  serialNumber?: string
  deviceIdentifier?: string
  deviceType?: string
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
  /** Anything else the file says about the sample, kept by its own name. */
  properties?: Record<string, string | number | Quantity>
}

/** A reading the file gives as text ("N/A", "TNTC", "Not determined"), kept as written. */
export interface ReadingError {
  error: string
  feature: string
}

/** Fields a file holds that its technique's schema has no name for, kept as written. */
export type CustomInformation = Record<string, string | number | boolean | Quantity | string[] | null>

export interface DeviceSystemDocument {
  'product manufacturer'?: string
  'model number'?: string
  'equipment serial number'?: string
  'device identifier'?: string
  'device type'?: string
}

function deviceSystemDocument(device: DeviceSystem): DeviceSystemDocument {
  return compact({
    'product manufacturer': device.manufacturer,
    'model number': device.model,
    'equipment serial number': device.serialNumber,
    'device identifier': device.deviceIdentifier,
    'device type': device.deviceType,
  })
}

export function sampleDocument(sample: Sample): Record<string, unknown> {
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
  /** Missing when the file gives text instead of a number: then `errors` holds it. */
  value?: Quantity
  sample?: Sample
  sources?: {identifier: string; feature: string}[]
  description?: string
  errors?: ReadingError[]
}

export function calculatedAggregate(values: CalculatedValue[]): Record<string, unknown> | undefined {
  if (values.length === 0) return undefined
  return {
    'calculated data document': values.map((c) =>
      compact({
        'calculated data identifier': c.identifier,
        'calculated data name': c.name,
        'calculated data description': c.description,
        'calculated result': c.value,
        'sample document': c.sample ? sampleDocument(c.sample) : undefined,
        'data source aggregate document':
          c.sources && c.sources.length > 0
            ? {
                'data source document': c.sources.map((s) => ({'data source identifier': s.identifier, 'data source feature': s.feature})),
              }
            : undefined,
        'error aggregate document': errorAggregate(c.errors),
      }),
    ),
  }
}

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
    'calculated data aggregate document'?: Record<string, unknown>
    'custom information document'?: CustomInformation
  } & {[Documents in `${Name} document`]?: Entry[]}
}

/**
 * The frame every technique's document shares: its manifest, then the instrument (of
 * `deviceType`, which its device control documents repeat), the software and file, the
 * technique's own documents, the run's calculated values and its custom fields.
 */
export function techniqueDocument<Name extends string, Entry>(
  input: ConverterInput,
  converter: Pick<Converter, 'name' | 'version'>,
  run: TechniqueRun,
  technique: {name: Name; manifest: string; deviceType: string; documents: Entry[]},
): TechniqueDocument<Name, Entry> {
  // Keys made from the technique's name are typed by TechniqueDocument, which the compiler cannot infer from a computed key.
  return {
    '$asm.manifest': `${ASM_MANIFEST_BASE}/${technique.manifest}`,
    [`${technique.name} aggregate document`]: compact({
      'device system document': deviceSystemDocument({...run.device, deviceType: technique.deviceType}),
      'data system document': dataSystemDocument(input, converter, run.software),
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
