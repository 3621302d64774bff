import {compact, quantity} from '../asm.js'
import type {CalculatedValue, CustomInformation, Sample} from '../models/common.js'
import {IdentifierSequence} from '../models/common.js'
import {type PlateReaderGroup, type PlateReaderMeasurement, plateReaderDocument} from '../models/plate-reader.js'
import {parseNumber} from '../numbers.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import {maxOf} from '../arrays.js'
import {typedValue, unwrap} from './csv.js'
import type {PlateBlock} from './plates.js'
import type {NamedEntry, Protocol, Setting} from './protocol.js'

type ReadType = 'absorbance' | 'fluorescence' | 'luminescence'
const UNITS: Record<ReadType, string> = {absorbance: 'mAU', fluorescence: 'RFU', luminescence: 'RLU'}

/** Plate-map codes (EnVision's legend) -> ASM sample roles. */
const ROLES: [RegExp, string][] = [
  [/^(BL|LB)/, 'blank role'],
  [/^STD/, 'standard sample role'],
  [/^(CTL|LC|LH|ZH|ZL)/, 'control sample role'],
  [/^S/, 'sample role'],
  [/^(-|UNK)/, 'unknown sample role'],
]

/** Plate information columns carry their unit in their meaning, not in the cell. */
function infoValue(column: string, raw: string): Setting {
  const value = typedValue(raw)
  if (typeof value !== 'number') return value
  if (/temperature/i.test(column)) return quantity(value, 'degC')
  if (/humidity/i.test(column)) return quantity(value, '%')
  if (/height/i.test(column)) return quantity(value, 'mm')
  return value
}

/** A setting as a quantity in `unit`: bare numbers take the unit, quantities must already have it. */
function asQuantity(value: Setting | undefined, unit: string): Quantity | undefined {
  if (typeof value === 'number') return quantity(value, unit)
  return typeof value === 'object' && value.unit === unit ? value : undefined
}

function labelName(plate: PlateBlock): string {
  return (plate.info.Label ?? '').replace(/\(\d+\)\s*$/, '').trim()
}

/** The label's name says the technology ("BCA Absorbance @ 562", "US LUM 384"); the MeasInfo detector confirms it. */
function readTypeOf(plate: PlateBlock): ReadType {
  const text = `${labelName(plate)} ${plate.info.Measinfo ?? plate.info.MeasInfo ?? ''}`
  // A result title ends with the grid's unit: "(A)" absorbance, "(CPS)" luminescence counts, "(Counts)" otherwise.
  const unit = /\(([^()]*)\)\s*$/.exec(plate.title ?? '')?.[1] ?? ''
  if (/\bABS(orbance)?\b|De=Abs/i.test(text) || /^(A|OD|Abs)$/i.test(unit)) return 'absorbance'
  if (/\bLUM(inescence)?\b|De=\w*Lum/i.test(text) || /^(CPS|RLU)$/i.test(unit)) return 'luminescence'
  return 'fluorescence'
}

function deviceControl(plate: PlateBlock, readType: ReadType, label: NamedEntry | undefined, protocol: Protocol) {
  const measinfo = plate.info.Measinfo ?? plate.info.MeasInfo ?? ''
  const settings = label?.settings ?? {}
  const filter = (key: string) => protocol.filters.find((f) => f.name === settings[key])
  // "De=1st"/"De=2nd" picks which of the label's emission filters fed this result grid.
  const emission = /De=2nd/i.test(measinfo) ? filter('2nd ems. filter') : filter('Ems. filter')
  const excitation = filter('Exc. filter')
  const emWavelength = /Em=(\d+(?:\.\d+)?)\s*nm/i.exec(measinfo)
  const measured = emWavelength ? quantity(Number(emWavelength[1]), 'nm') : undefined
  const absorbance = readType === 'absorbance'
  const position = /Em=(Top|Btm|Bottom)/i.exec(measinfo)?.[1] ?? String(settings['Using of emission filter'] ?? '')
  return compact({
    'device type': `${readType} detector`,
    'detection type': readType,
    'detector distance setting (plate reader)': asQuantity(infoValue('height', plate.info['Measured height'] ?? ''), 'mm'),
    'number of averages': asQuantity(settings['Number of flashes'], '#'),
    'detector gain setting': settings['Reference AD gain'] === undefined ? undefined : String(settings['Reference AD gain']),
    'scan position setting (plate reader)': /^top$/i.test(position)
      ? 'top scan position (plate reader)'
      : /^(btm|bottom)$/i.test(position)
        ? 'bottom scan position (plate reader)'
        : undefined,
    // Absorbance is read at the label's wavelength, else the MeasInfo's "Em=450 nm", else its filter's centre.
    'detector wavelength setting': absorbance
      ? (asQuantity(settings['Excitation wavelength'], 'nm') ?? measured ?? (excitation?.bandwidth ? excitation.wavelength : undefined))
      : (emission?.wavelength ?? measured),
    'detector bandwidth setting': absorbance
      ? settings['Excitation wavelength'] || measured
        ? undefined
        : excitation?.bandwidth
      : emission?.bandwidth,
    'excitation wavelength setting': absorbance ? undefined : excitation?.wavelength,
    'excitation bandwidth setting': absorbance ? undefined : excitation?.bandwidth,
  })
}

function barcodeOf(plate: PlateBlock): string {
  return unwrap(plate.info.Barcode ?? '') || `Plate ${plate.info.Plate}`
}

/** parseNumber with a fast path for the plain decimals grids are made of (a 384-well plate has many). */
function toNumber(raw: string): number | undefined {
  return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : parseNumber(raw)
}

export function buildDocument(
  input: ConverterInput,
  plates: PlateBlock[],
  protocol: Protocol,
  converter: Pick<Converter, 'name' | 'version'>,
) {
  const ids = new IdentifierSequence(input.name)
  const plateType = protocol.sections['Plate type'] ?? {}
  const maxColumns = maxOf(plates.map((p) => p.grid.columns))
  const wellCount =
    asQuantity(plateType['Number of the wells in the plate'], '#')?.value ??
    ({12: 96, 24: 384, 48: 1536} as Record<number, number>)[maxColumns] ??
    maxColumns
  const assayId = protocol.assay['Assay ID']
  const protocolId = protocol.assay['Protocol ID']

  // With plate repeats (kinetic reads) one well has several reads; each says which repeat it is.
  const repeated = new Set(plates.map((p) => p.info.Repeat)).size > 1
  const groups = new Map<string, PlateReaderGroup>()
  // The reads of a well share its sample (so its document is built once).
  const samples = new Map<string, Sample>()
  const sampleOf = (plateNumber: string | undefined, barcode: string, well: string, code: string | undefined): Sample => {
    const key = `${plateNumber}\u0000${barcode}\u0000${well}`
    let sample = samples.get(key)
    if (!sample) {
      const role = code === undefined ? undefined : ROLES.find(([re]) => re.test(code))?.[1]
      samples.set(key, (sample = {identifier: `${barcode} ${well}`, location: well, plate: barcode, role}))
    }
    return sample
  }
  const idsByPlate = new Map<PlateBlock, Map<string, string>>()
  for (const plate of plates.filter((p) => !p.calculated)) {
    const readType = readTypeOf(plate)
    const label = protocol.labels.find((l) => l.name === labelName(plate))
    const settings = deviceControl(plate, readType, label, protocol)
    const barcode = barcodeOf(plate)
    const codes = protocol.plateMaps.find((m) => m.plate === plate.info.Plate)?.codes ?? {}
    const chamber = Object.keys(plate.info).find((k) => /temperature at start/i.test(k) && !/ambient/i.test(k))
    const wellIds = new Map<string, string>()
    idsByPlate.set(plate, wellIds)
    const compartmentTemperature = chamber ? asQuantity(infoValue(chamber, plate.info[chamber]), 'degC') : undefined
    const custom: CustomInformation = {}
    if (plate.title) custom['result title'] = plate.title
    if (repeated) custom['plate repeat'] = typedValue(plate.info.Repeat ?? '')
    for (const cell of plate.grid.cells) {
      const identifier = ids.next()
      wellIds.set(cell.well, identifier)
      const code = codes[cell.well]
      const value = toNumber(cell.raw)
      const measurement: PlateReaderMeasurement = {
        identifier,
        label: plate.info.Label || undefined,
        sample: sampleOf(plate.info.Plate, barcode, cell.well, code),
        settings,
        compartmentTemperature,
        readings: value === undefined ? {} : {[readType]: quantity(value, UNITS[readType])},
        // The word the instrument wrote instead of a number ("OVRFLW", "N/A"), never a made-up number.
        errors: value === undefined ? [{error: cell.raw, feature: readType}] : undefined,
        custom,
      }
      const key = `${plate.info.Plate}|${cell.well}`
      const group = groups.get(key)
      if (group) group.measurements.push(measurement)
      else
        groups.set(key, {
          time: plate.info['Measurement date'] || undefined,
          analyticalMethod: protocolId || undefined,
          experimentalDataIdentifier: assayId || undefined,
          wellCount,
          measurements: [measurement],
        })
    }
  }

  const calculated = plates
    .filter((p) => p.calculated)
    .flatMap((plate): CalculatedValue[] => {
      const formula = plate.info.Formula ?? ''
      const index = /^(Calc \d+)/i.exec(formula)?.[1]
      const named = protocol.calculations.find((c) => String(c.Plate) === plate.info.Plate && c['Formula index'] === index)?.[
        'Formula name'
      ]
      const name = named === undefined ? (formula.split('=')[0] ?? formula).trim() : String(named)
      const sources = sourcePlates(plate, plates).map((source) => ({ids: idsByPlate.get(source), feature: readTypeOf(source)}))
      const barcode = barcodeOf(plate)
      return plate.grid.cells.map((cell) => {
        const value = toNumber(cell.raw)
        return {
          identifier: ids.next(),
          name,
          description: formula,
          value: value === undefined ? undefined : quantity(value, '(unitless)'),
          errors: value === undefined ? [{error: cell.raw, feature: name}] : undefined,
          sample: {location: cell.well, plate: barcode},
          sources: sources.flatMap(({ids, feature}) => {
            const identifier = ids?.get(cell.well)
            return identifier ? [{identifier, feature}] : []
          }),
        }
      })
    })

  const instrument = protocol.sections.Instrument ?? {}
  const serial = instrument['Serial number'] ?? protocol.assay['Serial#']
  return plateReaderDocument(input, converter, {
    device: {
      manufacturer: 'PerkinElmer',
      model: 'EnVision',
      serialNumber: serial === undefined ? undefined : String(serial),
      deviceIdentifier: instrument.Nickname === undefined ? undefined : String(instrument.Nickname),
    },
    software: protocol.software,
    groups: [...groups.values()],
    calculated,
    sections: {
      'plate information document': plates.map((plate) =>
        compact({
          ...Object.fromEntries(Object.entries(plate.info).map(([column, raw]) => [column, infoValue(column, raw)])),
          Barcode: barcodeOf(plate),
          'result title': plate.title,
          notes: plate.notes.length > 0 ? plate.notes : undefined,
          'background information':
            plate.background.length > 0
              ? plate.background.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typedValue(v)])))
              : undefined,
        }),
      ),
      'protocol information document': compact({
        'basic assay information': Object.keys(protocol.assay).length > 0 ? protocol.assay : undefined,
        ...protocol.sections,
        labels: protocol.labels,
        filters: protocol.filters,
        ...protocol.modules,
        calculations: protocol.calculations,
        'plate maps': protocol.plateMaps,
        ...protocol.text,
      }),
    },
  })
}

/** The measured plates a calculation used: those its background information names, else every read of that plate. */
function sourcePlates(calc: PlateBlock, plates: PlateBlock[]): PlateBlock[] {
  const candidates = plates.filter((p) => !p.calculated && p.info.Plate === calc.info.Plate && p.info.Repeat === calc.info.Repeat)
  const named = candidates.filter((p) =>
    calc.background.some((bg) => bg.Label === labelName(p) && (bg.MeasInfo ?? '') === (p.info.Measinfo ?? p.info.MeasInfo ?? '')),
  )
  return named.length > 0 ? named : candidates
}
