import type {dataSystemDocument} from '../asm.js'
import type {Quantity} from '../types.js'
import type {ErrorAggregateDocument} from './common.js'

/**
 * The plate-reader document the generic converter writes for software labmesh has no converter
 * for. It keeps what an unknown file may hold beside its wells, which the plate-reader model has
 * no place for: header fields under the file's own names (a name met twice keeps every value, in
 * a list), settings of the whole run, and table rows that name no well.
 */

/** Detections the generic converter recognises; readings of other kinds are filed under `measurement`. */
export type GenericFeature = 'absorbance' | 'fluorescence' | 'luminescence' | 'measurement'

/** A field written once, or every value of a name the file repeats. */
export type Repeated<T> = T | (T | T[])[]

export type GenericSampleDocument = {
  'sample identifier'?: string | number
  'location identifier'?: string
  'well plate identifier'?: string
} & {[annotation: string]: Repeated<string | number | Quantity> | undefined}

export type GenericDeviceControlDocument = {
  'device type': string
  'detection type'?: GenericFeature
} & {[setting: string]: Repeated<Quantity | Quantity[] | string> | undefined}

export interface GenericDataCube {
  label: string
  'cube-structure': {
    dimensions: {'@componentDatatype': 'double'; concept: string; unit: string}[]
    measures: {'@componentDatatype': 'double'; concept: string; unit: string}[]
  }
  data: {dimensions: (number | null)[][]; measures: (number | null)[][]}
}

export type GenericMeasurementDocument = {
  'measurement identifier'?: string
  'measurement label'?: string
  'sample document'?: GenericSampleDocument
  'device control aggregate document'?: {'device control document': GenericDeviceControlDocument[]}
  'error aggregate document'?: ErrorAggregateDocument
} & Partial<Record<GenericFeature, Quantity>> &
  Partial<Record<`${GenericFeature} ${'spectrum' | 'profile'} data cube`, GenericDataCube>>

export interface GenericCalculatedDocument {
  'calculated data identifier': string
  'calculated data name'?: string
  'calculated result'?: Quantity
  /** The file's text where it gives no number. */
  error?: string
  'location identifier'?: string
  'well plate identifier'?: string
  'sample identifier'?: string | number
  'data source aggregate document'?: {'data source document': {'data source identifier': string}[]}
}

/** Header lines without a key, series columns every well shares, and rows of tables that name no well. */
export type GenericCustomDocument =
  | GenericSampleDocument
  | {text: string; values: Quantity[]}
  | {'text lines': string[]}
  | {'series label': string; 'data cube': GenericDataCube}
  | ({'table name': string; 'row index': number} & {[field: string]: Quantity | string | number})

/** The engineered document of the generic converter, as the compiler checks it. */
export type GenericPlateReaderDocument = {
  '$asm.manifest': string
  'plate reader aggregate document': {
    'device system document'?: {
      'model number'?: string
      'equipment serial number'?: string
      'device identifier'?: string
    } & {[field: string]: Repeated<string> | undefined}
    'data system document'?: ReturnType<typeof dataSystemDocument>
    'device control aggregate document'?: {'device control document': GenericDeviceControlDocument[]}
    'plate reader document'?: {
      'measurement aggregate document': {'plate well count'?: Quantity; 'measurement document': GenericMeasurementDocument[]}
    }[]
    'calculated data aggregate document'?: {'calculated data document': GenericCalculatedDocument[]}
    'custom information aggregate document'?: {'custom information document': GenericCustomDocument[]}
  }
}
