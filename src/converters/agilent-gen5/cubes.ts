import type {ReadingError} from '../models/common.js'
import type {DataCube} from '../models/data-cube.js'
import type {WellTable} from './sections.js'
import {parseDuration, readNumber, UNITLESS} from './values.js'

/**
 * Well tables (kinetic, spectrum, area scan: one row per time point / wavelength / position, one column per well)
 * become one datacube per well: the leading columns are the dimensions, the well's column the measure, and a
 * plate temperature column ("T° 420") a second measure.
 */

export interface WellCube {
  well: string
  cube: DataCube
  /** Cells Gen5 wrote instead of a number ("OVRFLW"), with where they sit. */
  errors: ReadingError[]
}

interface Dimension {
  concept: string
  unit: string
  values: Array<number | null>
}

// The degree sign of "T° 420" arrives in whatever the exporting PC's code page made of it.
const TEMPERATURE = /^(T[^\w\s]\s|Temp)/i

export function cubeKind(table: WellTable): string {
  const first = table.header[0]
  if (/^time$/i.test(first)) return 'profile data cube'
  if (/^wavelength$/i.test(first)) return 'spectrum data cube'
  return 'data cube'
}

export function wellCubes(table: WellTable, measure: {concept: string; unit: string}): WellCube[] {
  const {header, firstWell} = table
  // Rows Gen5 prepared but never read (kinetic runs stopped early) hold no well value.
  const rows = table.rows.filter((cells) => cells.slice(firstWell).some((c) => c.trim() !== ''))
  const dimensions: Dimension[] = []
  let temperatures: Array<number | null> | undefined
  for (let col = 0; col < firstWell; col++) {
    const name = header[col]
    if (TEMPERATURE.test(name)) {
      const values = rows.map((cells) => readNumber((cells[col] ?? '').trim()) ?? null)
      if (values.some((v) => v !== null)) temperatures = values
      continue
    }
    const time = /^time$/i.test(name)
    const wavelength = /^wavelength$/i.test(name)
    const parse = time ? parseDuration : readNumber
    dimensions.push({
      concept: time ? 'elapsed time' : wavelength ? 'wavelength' : name,
      unit: time ? 's' : wavelength ? 'nm' : name.endsWith('#') ? '#' : UNITLESS,
      values: rows.map((cells) => parse((cells[col] ?? '').trim()) ?? null),
    })
  }

  // A table led only by its temperature column still has an axis: the read's number.
  if (dimensions.length === 0) dimensions.push({concept: 'read number', unit: UNITLESS, values: rows.map((_, r) => r + 1)})

  const out: WellCube[] = []
  for (let col = firstWell; col < header.length; col++) {
    const well = header[col]
    if (well === '') continue
    const values: Array<number | null> = []
    const errors: WellCube['errors'] = []
    let any = false
    rows.forEach((cells, r) => {
      const raw = (cells[col] ?? '').trim()
      const value = raw === '' ? undefined : readNumber(raw)
      values.push(value ?? null)
      if (raw !== '') any = true
      if (raw !== '' && value === undefined) {
        const at = dimensions.map((d) => `${d.values[r]} ${d.unit}`).join(', ')
        errors.push({error: raw, feature: `${measure.concept} at ${at}`})
      }
    })
    if (!any) continue
    const measures: DataCube['measures'] = [{...measure, values}]
    if (temperatures) measures.push({concept: 'temperature', unit: 'degC', values: temperatures})
    const [dimension, ...more] = dimensions
    const cube: DataCube = {label: table.title ?? measure.concept, dimension, measures}
    if (more.length > 0) cube.moreDimensions = more
    out.push({well, cube, errors})
  }
  return out
}
