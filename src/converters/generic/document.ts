import {ASM_MANIFEST_BASE, compact, dataSystemDocument} from '../asm.js'
import type {
  GenericCalculatedDocument,
  GenericCustomDocument,
  GenericDeviceControlDocument,
  GenericMeasurementDocument,
  GenericPlateReaderDocument,
  GenericSampleDocument,
  Repeated,
} from '../models/generic-plate-reader.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import {plateWellCount} from '../wells.js'
import {appendAll} from '../arrays.js'
import {onlyQuantities} from './header-block.js'
import type {HeaderEntry, Parsed, PlateRead, ReadSetting, WellSeries} from './model.js'
import {type Technique, UNITLESS} from './units.js'

export const PLATE_READER_MANIFEST = `${ASM_MANIFEST_BASE}/plate-reader/REC/2024/06/plate-reader.manifest`

interface WellBucket {
  well: string
  plate?: string
  annotations: [string, number | string][]
  measurements: {read: PlateRead; value: number | string; unit?: string}[]
  calculated: {read: PlateRead; value: number | string; unit?: string}[]
  series: {series: WellSeries; cube: (number | null)[]; errors?: string[]}[]
}

const SAMPLE_KEY = /sample|well ?id|name|\bid\b|layout|plate ?map/i

/**
 * The ASM plate-reader document: one `plate reader document` per well, holding a measurement
 * document per read (a quantity, or a datacube for series); calculated values beside them,
 * each naming its well; header settings in the device documents; other table rows as custom
 * information.
 */
export function buildDocument(
  input: ConverterInput,
  parsed: Parsed,
  converter: Pick<Converter, 'name' | 'version'>,
): GenericPlateReaderDocument {
  const buckets = new Map<string, WellBucket>()
  const bucket = (plate: string | undefined, well: string): WellBucket => {
    const key = `${plate ?? ''}\u0000${well}`
    let b = buckets.get(key)
    if (!b) buckets.set(key, (b = {well, plate, annotations: [], measurements: [], calculated: [], series: []}))
    return b
  }
  for (const read of parsed.reads) {
    for (const v of read.values) {
      const b = bucket(v.plate, v.well)
      if (read.kind === 'annotation') b.annotations.push([read.label || read.title || 'annotation', v.value])
      else (read.kind === 'calculated' ? b.calculated : b.measurements).push({read, value: v.value, unit: v.unit})
    }
  }
  for (const series of parsed.series) {
    for (const [well, cube] of series.wells) bucket(series.plate, well).series.push({series, cube, errors: series.errors.get(well)})
  }

  const wellCount = plateWellCount(parsed.maxRow + 1, parsed.maxColumn)
  // One device control aggregate per read, shared by its wells' documents (the JSON is the same).
  const controls = new Map<PlateRead, {'device control document': GenericDeviceControlDocument[]}>()
  const seriesControls = new Map<WellSeries, GenericDeviceControlDocument>()
  const seriesControl = (series: WellSeries): GenericDeviceControlDocument => {
    let control = seriesControls.get(series)
    if (!control) seriesControls.set(series, (control = deviceControl(series.technique, series.settings)))
    return control
  }
  let measurementCount = 0
  let calculatedCount = 0
  const plateDocuments: NonNullable<GenericPlateReaderDocument['plate reader aggregate document']['plate reader document']> = []
  const calculatedDocuments: GenericCalculatedDocument[] = []
  const custom: GenericCustomDocument[] = []
  for (const b of buckets.values()) {
    const sample = sampleDocument(b)
    const measurements: GenericMeasurementDocument[] = []
    for (const {read, value, unit} of b.measurements) {
      let control = controls.get(read)
      if (!control) controls.set(read, (control = {'device control document': [deviceControl(read.technique, read.settings)]}))
      const feature = read.technique ?? 'measurement'
      // Built field by field rather than through compact(): this runs once per well per read.
      const measurement: GenericMeasurementDocument = {'measurement identifier': `${input.name}_${++measurementCount}`}
      const label = read.label || read.title
      if (label) measurement['measurement label'] = label
      measurement['sample document'] = sample
      measurement['device control aggregate document'] = control
      if (typeof value === 'number') measurement[feature] = {value, unit: unit ?? read.unit}
      else measurement['error aggregate document'] = {'error document': [{error: value, 'error feature': feature}]}
      measurements.push(measurement)
    }
    for (const {series, cube, errors} of b.series) {
      const feature = series.technique ?? 'measurement'
      const kind = /wavelength/i.test(series.dimension.name) ? 'spectrum' : 'profile'
      measurements.push(
        compact({
          'measurement identifier': `${input.name}_${++measurementCount}`,
          'measurement label': series.title,
          'sample document': sample,
          'device control aggregate document': {'device control document': [seriesControl(series)]},
          [`${feature} ${kind} data cube`]: {
            label: series.title,
            'cube-structure': {
              dimensions: [{'@componentDatatype': 'double', concept: series.dimension.name, unit: series.dimension.unit}],
              measures: [{'@componentDatatype': 'double', concept: feature, unit: series.unit}],
            },
            data: {dimensions: [series.dimension.values], measures: [cube]},
          },
          'error aggregate document': errors ? {'error document': errors.map((error) => ({error, 'error feature': feature}))} : undefined,
        }),
      )
    }
    const sources = measurements.map((m) => m['measurement identifier']!)
    const dataSources = sources.length > 0 ? {'data source document': sources.map((id) => ({'data source identifier': id}))} : undefined
    for (const {read, value, unit} of b.calculated) {
      const calculated: GenericCalculatedDocument = {'calculated data identifier': `${input.name}_calculated_${++calculatedCount}`}
      const name = read.label || read.title
      if (name) calculated['calculated data name'] = name
      if (typeof value === 'number') calculated['calculated result'] = {value, unit: unit ?? read.unit}
      else calculated.error = value
      calculated['location identifier'] = b.well
      if (b.plate) calculated['well plate identifier'] = b.plate
      if (sample['sample identifier'] !== undefined) calculated['sample identifier'] = sample['sample identifier']
      if (dataSources) calculated['data source aggregate document'] = dataSources
      calculatedDocuments.push(calculated)
    }
    if (measurements.length > 0) {
      const aggregate: {'plate well count'?: Quantity; 'measurement document': GenericMeasurementDocument[]} =
        wellCount === undefined
          ? {'measurement document': measurements}
          : {'plate well count': {value: wellCount, unit: '#'}, 'measurement document': measurements}
      plateDocuments.push({'measurement aggregate document': aggregate})
    } else if (b.calculated.length === 0) custom.push(sample)
  }
  for (const series of parsed.series) {
    if (series.shared.length === 0) continue
    custom.push({
      'series label': series.title,
      'data cube': {
        label: series.title,
        'cube-structure': {
          dimensions: [{'@componentDatatype': 'double', concept: series.dimension.name, unit: series.dimension.unit}],
          measures: series.shared.map((c) => ({'@componentDatatype': 'double', concept: c.name, unit: c.unit})),
        },
        data: {dimensions: [series.dimension.values], measures: series.shared.map((c) => c.values)},
      },
    })
  }
  for (const row of parsed.rows) custom.push({'table name': row.table, 'row index': row.index, ...row.fields})
  const header = headerDocuments(parsed.header)
  appendAll(custom, header.notes)

  return {
    '$asm.manifest': PLATE_READER_MANIFEST,
    'plate reader aggregate document': compact({
      'device system document': header.system,
      'data system document': dataSystemDocument(input, converter, header.software),
      'device control aggregate document': header.control ? {'device control document': [header.control]} : undefined,
      'plate reader document': plateDocuments,
      'calculated data aggregate document': calculatedDocuments.length > 0 ? {'calculated data document': calculatedDocuments} : undefined,
      'custom information aggregate document': custom.length > 0 ? {'custom information document': custom} : undefined,
    }),
  }
}

function sampleDocument(b: WellBucket): GenericSampleDocument {
  const sample: GenericSampleDocument = {}
  const named = b.annotations.find(([key, value]) => typeof value === 'string' && SAMPLE_KEY.test(key))
  if (named) sample['sample identifier'] = named[1]
  sample['location identifier'] = b.well
  if (b.plate) sample['well plate identifier'] = b.plate
  for (const [key, value] of b.annotations) {
    if (named && value === named[1] && key === named[0]) continue
    addField(sample, key, typeof value === 'number' ? {value, unit: UNITLESS} : value)
  }
  return sample
}

function deviceControl(technique: Technique | undefined, settings: ReadSetting[]): GenericDeviceControlDocument {
  const control: GenericDeviceControlDocument = {'device type': 'plate reader'}
  if (technique) control['detection type'] = technique
  for (const s of settings) addField(control, s.name, s.quantity)
  return control
}

/** Sets a field, turning repeated names into a list so no value is overwritten. */
function addField<T>(target: {[key: string]: Repeated<T> | undefined}, key: string, value: T | T[]): void {
  const existing = target[key]
  if (existing === undefined) target[key] = value as Repeated<T>
  else if (Array.isArray(existing)) existing.push(value)
  else target[key] = [existing, value]
}

const MODEL = /^(reader( type| model)?|instrument( type| name| model)?|model( number| name)?|device( name| model| type)?|reader name)$/i
const SERIAL = /serial/i
const SOFTWARE_VERSION = /^(software version|version)$/i
const SOFTWARE_NAME = /^(software|software name|application)$/i
const DEVICE_ID = /^(nickname|instrument id|device id|reader id)$/i

/** Header key/values: identity and text into the device system document, numbers into device control. */
function headerDocuments(entries: HeaderEntry[]) {
  const system: NonNullable<GenericPlateReaderDocument['plate reader aggregate document']['device system document']> = {}
  const control: GenericDeviceControlDocument = {'device type': 'plate reader'}
  const notes: GenericCustomDocument[] = []
  const software: {name?: string; version?: string} = {}
  const lines: string[] = []
  for (const {key, text, quantities} of entries) {
    const value = text.trim()
    if (key && value) {
      if (MODEL.test(key)) system['model number'] ??= value
      else if (SERIAL.test(key)) system['equipment serial number'] ??= value
      else if (DEVICE_ID.test(key)) system['device identifier'] ??= value
      if (SOFTWARE_VERSION.test(key)) software.version ??= value
      if (SOFTWARE_NAME.test(key)) software.name ??= value
    }
    if (quantities.length > 0) {
      if (key) addField(control, key, quantities.length === 1 ? quantities[0] : quantities)
      else notes.push({text: value, values: quantities})
    }
    // Text beyond the numbers ("472 ABS 384 QC", "96 WELL PLATE") is kept as written.
    if (quantities.length > 0 && onlyQuantities(value)) continue
    if (key) addField(system, key, value)
    else if (value) lines.push(value)
  }
  if (lines.length > 0) notes.push({'text lines': lines})
  return {
    system: Object.keys(system).length > 0 ? system : undefined,
    control: Object.keys(control).length > 1 ? control : undefined,
    notes,
    software: software.name || software.version ? software : undefined,
  }
}
