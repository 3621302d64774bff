import type {Quantity} from '../types.js'
import type {PlateRead, ReadSetting} from './model.js'
import {cellNumber, durationSeconds} from './rows.js'
import {namesCalculation, namesLayout, READING_UNIT, type Technique, techniqueIn, UNITLESS, unitFromName, unitInHeader} from './units.js'

/** Where a read sits in the file: the text above it, the plate and technique named so far. */
export interface ReadContext {
  title: string
  plate?: string
  /** The technique the latest header line named ("Absorbance", "Read: fluor"). */
  technique?: Technique
  /** The technique the file names most often, for reads nothing nearer names. */
  fileTechnique?: Technique
  /** The read follows another plate under the same heading: values reduced from it. */
  derived?: boolean
}

const RATIO = /^\s*[A-Za-z]?\d{3}\s*\/\s*[A-Za-z]?\d{3}\s*$/

/**
 * A new, empty read named `label` (a grid's trailing cell, a table's column header): its kind
 * (reading or calculated value), technique, unit and the wavelengths its name gives.
 */
export function classifyRead(ctx: ReadContext, label: string, subRow = false): PlateRead {
  const name = label || ctx.title
  const technique = techniqueIn(label) ?? techniqueIn(ctx.title) ?? ctx.technique ?? ctx.fileTechnique
  // Sub-rows name readings by their step and wavelengths ("od:600", "LUM:Lum"); a sub-row named
  // in words only ("Parallel Intensity", "NormLum") is a data reduction.
  const reduction = subRow && label !== '' && !/[\d:]/.test(label) && !techniqueIn(label)
  const calculated = ctx.derived || reduction || namesCalculation(label) || namesCalculation(ctx.title) || RATIO.test(label)
  const kind = namesLayout(label) || namesLayout(ctx.title) ? 'annotation' : calculated ? 'calculated' : 'measurement'
  const unit =
    kind === 'measurement'
      ? (unitInHeader(label) ?? (technique ? READING_UNIT[technique] : UNITLESS))
      : (unitInHeader(label) ?? (label ? undefined : unitInHeader(ctx.title)) ?? UNITLESS)
  return {title: ctx.title, label, kind, technique, unit, settings: wavelengthSettings(name, technique), values: []}
}

/** What instruments print instead of a number for a failed or out-of-range reading. */
const READING_ERROR =
  /^(nan|n\/?a|ovrflw|overflow|over|under|masked|err(or)?|invalid|sat(urated)?|\?+|[<>].*|missed|out of range|range\??|[+-]?inf(inity)?|#.*|undetermined|no ?data|empty)$/i

/** Reads with no number in any well, and no reading errors either, are plate maps. */
export function settleRead(read: PlateRead): PlateRead {
  if (read.kind === 'annotation') return read
  let text = false
  for (const v of read.values) {
    if (typeof v.value === 'number') return read
    if (!READING_ERROR.test(v.value)) text = true
  }
  if (text || read.values.length === 0) read.kind = 'annotation'
  return read
}

const WAVELENGTH = /(?<![\d.])(\d{3,4})(?![\d.])(?:\s*\/\s*(\d{1,2})(?![\d.]))?/g

/**
 * Wavelengths a read's name gives: "Raw Data (580/620)", "260:977 [Test]", "fluor:479,520",
 * "360/40,460/40" (wavelength/bandwidth). With two or more on a fluorescence read the first is
 * the excitation.
 */
export function wavelengthSettings(name: string, technique: Technique | undefined): ReadSetting[] {
  const found: {wavelength: number; bandwidth?: number}[] = []
  WAVELENGTH.lastIndex = 0
  let m: RegExpExecArray | null
  while ((m = WAVELENGTH.exec(name))) {
    const wavelength = Number(m[1])
    if (wavelength < 200 || wavelength > 1100) continue
    found.push({wavelength, bandwidth: m[2] === undefined ? undefined : Number(m[2])})
  }
  const settings: ReadSetting[] = []
  found.forEach((f, index) => {
    const role = technique === 'fluorescence' && found.length >= 2 && index === 0 ? 'excitation' : 'detector'
    settings.push({name: `${role} wavelength setting`, quantity: {value: f.wavelength, unit: 'nm'}})
    if (f.bandwidth !== undefined) settings.push({name: `${role} bandwidth setting`, quantity: {value: f.bandwidth, unit: 'nm'}})
  })
  return settings
}

/** A cell beside a read under `header` ("Temperature(¡C)", "Time") as a setting of that read. */
export function settingFor(header: string, cell: string, decimalComma: boolean): ReadSetting | undefined {
  const seconds = durationSeconds(cell)
  if (seconds !== undefined) return {name: header || 'elapsed time', quantity: {value: seconds, unit: 's'}}
  const value = cellNumber(cell, decimalComma)
  if (value === undefined) return undefined
  return {name: header || 'value', quantity: {value, unit: unitInHeader(header) ?? unitFromName(header) ?? UNITLESS}}
}

/** A table cell under `header` as a quantity: "A260" values are absorbance, "Temperature" degC. */
export function fieldQuantity(header: string, cell: string, decimalComma: boolean): Quantity | undefined {
  const setting = settingFor(header, cell, decimalComma)
  if (!setting || setting.quantity.unit !== UNITLESS) return setting?.quantity
  const technique = techniqueIn(header)
  if (technique && !namesCalculation(header) && !RATIO.test(header)) setting.quantity.unit = READING_UNIT[technique]
  return setting.quantity
}
