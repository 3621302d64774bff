import {compact, optionalQuantity, quantity} from '../asm.js'
import type {ReadingError} from '../models/common.js'
import type {DataCube} from '../models/data-cube.js'
import type {DeviceSetting, PlateReaderMeasurement} from '../models/plate-reader.js'
import {parseNumber} from '../numbers.js'
import type {PlateHeader} from './plate-header.js'
import type {Channel, Plate} from './plate-data.js'

/** What a read mode measures, and the ASM field and unit of the reading. */
export interface Concept {
  key: string
  unit: string
}

export function conceptFor(readMode: string): Concept {
  if (/abs/i.test(readMode)) return {key: 'absorbance', unit: 'mAU'}
  if (/fluor|time resolved/i.test(readMode)) return {key: 'fluorescence', unit: 'RFU'}
  if (/lum/i.test(readMode)) return {key: 'luminescence', unit: 'RLU'}
  return {key: readMode.toLowerCase(), unit: '(unitless)'}
}

/** A source a calculated value refers to: one measurement of one well. */
export interface MeasurementRef {
  id: string
  feature: string
}

/** What every well of a channel shares: its settings and, for series, the axis and temperatures. */
interface ChannelPlan {
  channel?: Channel
  device: Record<string, DeviceSetting>
  series?: {
    cubeKey: string
    label: string
    dimension: {concept: string; unit: string}
    axis: number[]
    firstTemperature?: number
    /** Temperatures per read, only when they change during the run. */
    temperatures?: (number | null)[]
  }
}

/** What a well's read gives: its reading or datacube, the chamber temperature, and any cell written as text. */
type Reading = Pick<PlateReaderMeasurement, 'readings' | 'cube' | 'compartmentTemperature' | 'errors'>

/**
 * The measurements of a plate's wells, one per wavelength setting. Endpoint reads give a
 * `{value, unit}` reading; kinetic and spectrum reads give a datacube over time or wavelength.
 * A cell without a number keeps its text as an error; ASM requires a numeric reading,
 * so the reading is the -0 placeholder ASM uses for "no value" (never a number that was read).
 */
export class PlateMeasurements {
  readonly concept: Concept
  private readonly plans: ChannelPlan[]

  constructor(private readonly plate: Plate) {
    const h = plate.header
    this.concept = conceptFor(h.readMode)
    // A plate without raw rows (reduced data only) still gets one document per well and wavelength.
    this.plans =
      plate.channels.length === 0
        ? Array.from({length: Math.max(1, h.wavelengths.length)}, (_, c) => ({device: deviceControl(h, c)}))
        : plate.channels.map((channel, c) => ({
            channel,
            device: deviceControl(h, c),
            series: isSeries(h, channel) ? seriesPlan(h, channel, this.concept) : undefined,
          }))
  }

  forWell(well: number, sampleId: string | undefined, nextId: () => string): PlateReaderMeasurement[] {
    const measurements: PlateReaderMeasurement[] = []
    for (const plan of this.plans) {
      let reading: Reading
      if (!plan.channel) {
        reading = this.missing('no raw reading in the export (reduced data only)')
      } else {
        const cellsOfWell = plan.channel.values.map((row) => row[well])
        if (cellsOfWell.every((cell) => cell === undefined)) continue
        reading = plan.series ? this.seriesReading(plan, cellsOfWell) : this.endpointReading(plan.channel, cellsOfWell[0])
      }
      const location = this.plate.wells[well]
      const plate = this.plate.header.name
      measurements.push({
        identifier: nextId(),
        sample: {identifier: sampleId ?? `${plate} ${location}`, location, plate},
        settings: plan.device,
        ...reading,
      })
    }
    return measurements
  }

  private missing(error: string): Reading {
    return {readings: {[this.concept.key]: quantity(-0, this.concept.unit)}, errors: [{error, feature: this.concept.key}]}
  }

  private endpointReading(channel: Channel, cell: string | undefined): Reading {
    const value = readNumber(cell)
    const reading =
      value === undefined ? this.missing(cell || 'no value') : {readings: {[this.concept.key]: quantity(value, this.concept.unit)}}
    return {...reading, compartmentTemperature: optionalQuantity(readTemperature(channel.reads[0].temperature), 'degC')}
  }

  private seriesReading(plan: ChannelPlan, cellsOfWell: (string | undefined)[]): Reading {
    const series = plan.series!
    const values = cellsOfWell.map((cell) => readNumber(cell) ?? null)
    const errors: ReadingError[] = []
    values.forEach((v, k) => {
      const cell = cellsOfWell[k]
      if (v === null && cell) errors.push({error: cell, feature: `${this.concept.key} at ${series.dimension.concept} ${series.axis[k]}`})
    })
    const measures: DataCube['measures'] = [{concept: this.concept.key, unit: this.concept.unit, values}]
    if (series.temperatures) measures.push({concept: 'temperature', unit: 'degC', values: series.temperatures})
    return {
      readings: {},
      compartmentTemperature: optionalQuantity(series.firstTemperature, 'degC'),
      cube: {kind: series.cubeKey, cube: {label: series.label, dimension: {...series.dimension, values: series.axis}, measures}},
      errors: errors.length > 0 ? errors : undefined,
    }
  }
}

function isSeries(h: PlateHeader, channel: Channel): boolean {
  return h.readType !== 'Endpoint' || channel.reads.length > 1
}

function seriesPlan(h: PlateHeader, channel: Channel, concept: Concept): ChannelPlan['series'] {
  const labelled = channel.reads.every((r) => r.label !== undefined)
  const dimension = !labelled
    ? {concept: 'read number', unit: '(unitless)'}
    : h.readType === 'Spectrum'
      ? {concept: 'wavelength', unit: 'nm'}
      : {concept: 'elapsed time', unit: 's'}
  const temperatures = channel.reads.map((r) => readTemperature(r.temperature) ?? null)
  const firstTemperature = temperatures.find((t) => t !== null) ?? undefined
  return {
    cubeKey:
      h.readType === 'Spectrum'
        ? concept.key === 'absorbance'
          ? 'absorption spectrum data cube'
          : 'spectrum data cube'
        : 'profile data cube',
    label: `${concept.key} ${h.readType.toLowerCase()}`,
    dimension,
    axis: channel.reads.map((r, k) => (labelled ? (r.label as number) : k + 1)),
    firstTemperature,
    temperatures: temperatures.some((t) => t !== null && t !== firstTemperature) ? temperatures : undefined,
  }
}

const PLAIN_NUMBER = /^-?\d+(\.\d+)?(E[+-]?\d+)?$/i

/** Cells are already trimmed; plain decimals (nearly all of them) skip the general parser. */
function readNumber(cell: string | undefined): number | undefined {
  if (cell === undefined || cell === '') return undefined
  return PLAIN_NUMBER.test(cell) ? Number(cell) : parseNumber(cell)
}

function deviceControl(h: PlateHeader, channel: number): Record<string, DeviceSetting> {
  const kinetic = h.readType === 'Kinetic'
  const spectrum = h.readType === 'Spectrum'
  return compact({
    'device type': 'plate reader',
    'detection type': h.readMode,
    'read type': h.readType,
    'detector wavelength setting': spectrum ? undefined : optionalQuantity(h.wavelengths[channel], 'nm'),
    'excitation wavelength setting': optionalQuantity(h.excitationWavelengths[channel], 'nm'),
    'wavelength filter cutoff setting': optionalQuantity(h.cutoffFilters[channel], 'nm'),
    'wavelength filter cutoff mode': h.cutoffMode,
    'scan position setting': h.bottomRead === undefined ? undefined : h.bottomRead ? 'bottom scan position' : 'top scan position',
    'number of averages': optionalQuantity(h.readsPerWell, '#'),
    'detector gain setting': h.pmtGain,
    'number of scans setting': kinetic || spectrum ? optionalQuantity(h.kineticPoints, '#') : undefined,
    'total measurement time setting': kinetic ? optionalQuantity(h.readTime, 's') : undefined,
    'read interval setting': kinetic ? optionalQuantity(h.readInterval, 's') : undefined,
    'wavelength range start setting': spectrum ? optionalQuantity(h.startWavelength, 'nm') : undefined,
    'wavelength range end setting': spectrum ? optionalQuantity(h.endWavelength, 'nm') : undefined,
    'wavelength increment setting': spectrum ? optionalQuantity(h.wavelengthStep, 'nm') : undefined,
    // SoftMax does not say the unit of its integration times, so they stay plain numbers.
    'integration start time setting': h.startIntegrationTime,
    'integration end time setting': h.endIntegrationTime,
  })
}

/** SoftMax writes a temperature of 0 when the reader reported none. */
function readTemperature(t: number | undefined): number | undefined {
  return t === 0 ? undefined : t
}
