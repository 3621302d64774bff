import type {CalculatedValue, DeviceSetting, DeviceSystem, Sample, SampleProperty, SoftwareInfo} from '../models/common.js'
import type {DataCube} from '../models/data-cube.js'
import type {PlateReaderGroup, PlateReaderMeasurement, PlateReaderNote, PlateReaderRun} from '../models/plate-reader.js'
import type {ConverterInput, Quantity} from '../types.js'
import {plateWellCount} from '../wells.js'
import {onlyQuantities} from './header-block.js'
import type {HeaderEntry, Parsed, PlateRead, ReadSetting, WellSeries} from './model.js'
import {type Technique, UNITLESS} from './units.js'

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
 * What the generic converter found, on the plate-reader model: one group per well, holding a
 * measurement per read (a quantity, or a datacube for series); calculated values beside them,
 * each naming its well; header settings as the run's settings; wells it only describes, other
 * table rows and header text as notes.
 */
export function plateReaderRun(input: ConverterInput, parsed: Parsed): PlateReaderRun {
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
  // One settings object per read or series, shared by its wells' measurements (the mapper builds its document once).
  const readSettings = new Map<PlateRead | WellSeries, Record<string, DeviceSetting>>()
  const settingsOf = (of: PlateRead | WellSeries): Record<string, DeviceSetting> => {
    let settings = readSettings.get(of)
    if (!settings) readSettings.set(of, (settings = deviceSettings(of.technique, of.settings)))
    return settings
  }
  let measurementCount = 0
  let calculatedCount = 0
  const groups: PlateReaderGroup[] = []
  const calculated: CalculatedValue[] = []
  const notes: PlateReaderNote[] = []
  for (const b of buckets.values()) {
    const sample = wellSample(b)
    const measurements: PlateReaderMeasurement[] = []
    for (const {read, value, unit} of b.measurements) {
      const feature = read.technique ?? 'measurement'
      // Built field by field: this runs once per well per read.
      const measurement: PlateReaderMeasurement = {
        identifier: `${input.name}_${++measurementCount}`,
        label: read.label || read.title,
        sample,
        settings: settingsOf(read),
        readings: typeof value === 'number' ? {[feature]: {value, unit: unit ?? read.unit}} : {},
      }
      if (typeof value !== 'number') measurement.errors = [{error: value, feature}]
      measurements.push(measurement)
    }
    for (const {series, cube, errors} of b.series) {
      const feature = series.technique ?? 'measurement'
      const kind = /wavelength/i.test(series.dimension.name) ? 'spectrum' : 'profile'
      measurements.push({
        identifier: `${input.name}_${++measurementCount}`,
        label: series.title,
        sample,
        settings: settingsOf(series),
        readings: {},
        cube: {kind: `${feature} ${kind} data cube`, cube: seriesCube(series, [{concept: feature, unit: series.unit, values: cube}])},
        errors: errors?.map((error) => ({error, feature})),
      })
    }
    const sources = measurements.map((m) => ({identifier: m.identifier}))
    for (const {read, value, unit} of b.calculated) {
      calculated.push({
        identifier: `${input.name}_calculated_${++calculatedCount}`,
        name: read.label || read.title,
        value: typeof value === 'number' ? {value, unit: unit ?? read.unit} : undefined,
        text: typeof value === 'number' ? undefined : value,
        well: {location: b.well, plate: b.plate, sampleIdentifier: sample.identifier},
        sources,
      })
    }
    if (measurements.length > 0) groups.push({wellCount, measurements})
    else if (b.calculated.length === 0) notes.push({kind: 'unmeasured well', sample})
  }
  for (const series of parsed.series) {
    if (series.shared.length === 0) continue
    notes.push({
      kind: 'shared series',
      cube: seriesCube(
        series,
        series.shared.map((c) => ({concept: c.name, unit: c.unit, values: c.values})),
      ),
    })
  }
  for (const row of parsed.rows) notes.push({kind: 'table row', table: row.table, index: row.index, fields: row.fields})
  const header = readHeader(parsed.header)
  for (const note of header.notes) notes.push(note)

  return {device: header.device, software: header.software, runSettings: header.settings, groups, calculated, notes}
}

/** A series' datacube: its dimension (time, wavelength), with the measures given. */
function seriesCube(series: WellSeries, measures: DataCube['measures']): DataCube {
  return {
    label: series.title,
    dimension: {concept: series.dimension.name, unit: series.dimension.unit, values: series.dimension.values},
    measures,
  }
}

/** A well's sample: its identifier from a layout or name annotation, its other annotations by their own names. */
function wellSample(b: WellBucket): Sample {
  const sample: Sample = {}
  const named = b.annotations.find(([key, value]) => typeof value === 'string' && SAMPLE_KEY.test(key))
  if (named) sample.identifier = named[1] as string
  sample.location = b.well
  if (b.plate) sample.plate = b.plate
  const properties: Record<string, SampleProperty | SampleProperty[]> = {}
  for (const [key, value] of b.annotations) {
    if (named && value === named[1] && key === named[0]) continue
    addField(properties, key, typeof value === 'number' ? {value, unit: UNITLESS} : value)
  }
  if (b.annotations.length > 0) sample.properties = properties
  return sample
}

function deviceSettings(technique: Technique | undefined, settings: ReadSetting[]): Record<string, DeviceSetting> {
  const control: Record<string, DeviceSetting> = {}
  if (technique) control['detection type'] = technique
  for (const s of settings) addField(control, s.name, s.quantity)
  return control
}

/** Sets a field, turning repeated names into a list so no value is overwritten. */
function addField<T>(target: {[key: string]: T | T[]}, key: string, value: T): void {
  const existing = target[key]
  if (existing === undefined) target[key] = value
  else if (Array.isArray(existing)) existing.push(value)
  else target[key] = [existing, value]
}

const MODEL = /^(reader( type| model)?|instrument( type| name| model)?|model( number| name)?|device( name| model| type)?|reader name)$/i
const SERIAL = /serial/i
const SOFTWARE_VERSION = /^(software version|version)$/i
const SOFTWARE_NAME = /^(software|software name|application)$/i
const DEVICE_ID = /^(nickname|instrument id|device id|reader id)$/i

/** Header key/values: identity and text into the device system, numbers into the run's settings, keyless lines into notes. */
function readHeader(entries: HeaderEntry[]): {
  device: DeviceSystem
  software?: SoftwareInfo
  settings?: Record<string, DeviceSetting>
  notes: PlateReaderNote[]
} {
  const device: DeviceSystem = {}
  const properties: Record<string, string | string[]> = {}
  const settings: Record<string, DeviceSetting> = {}
  const notes: PlateReaderNote[] = []
  const software: SoftwareInfo = {}
  const lines: string[] = []
  for (const {key, text, quantities} of entries) {
    const value = text.trim()
    if (key && value) {
      if (MODEL.test(key)) device.model ??= value
      else if (SERIAL.test(key)) device.serialNumber ??= value
      else if (DEVICE_ID.test(key)) device.deviceIdentifier ??= value
      if (SOFTWARE_VERSION.test(key)) software.version ??= value
      if (SOFTWARE_NAME.test(key)) software.name ??= value
    }
    if (quantities.length > 0) {
      if (key) addField<DeviceSetting>(settings, key, quantities.length === 1 ? quantities[0] : (quantities as Quantity[]))
      else notes.push({kind: 'text', text: value, values: quantities})
    }
    // Text beyond the numbers ("472 ABS 384 QC", "96 WELL PLATE") is kept as written.
    if (quantities.length > 0 && onlyQuantities(value)) continue
    if (key) addField(properties, key, value)
    else if (value) lines.push(value)
  }
  if (lines.length > 0) notes.push({kind: 'text lines', lines})
  if (Object.keys(properties).length > 0) device.properties = properties
  return {
    device,
    software: software.name || software.version ? software : undefined,
    settings: Object.keys(settings).length > 0 ? settings : undefined,
    notes,
  }
}
