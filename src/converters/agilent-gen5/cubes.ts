import type {WellTable} from './sections.js'
import {parseDuration, readNumber, UNITLESS} from './values.js'

/**
 * Well tables (kinetic, spectrum, area scan: one row per time point / wavelength / position, one column per well)
 * become one datacube per well: the leading columns are the dimensions, the well's column the measure, and a
 * plate temperature column ("T° 420") a second measure.
 */

export interface WellCube {
  well: string
  cube: Record<string, unknown>
  /** Cells Gen5 wrote instead of a number ("OVRFLW"), with where they sit. */
  errors: Array<{error: string; 'error feature': string}>
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
        errors.push({error: raw, 'error feature': `${measure.concept} at ${at}`})
      }
    })
    if (!any) continue
    const measures = [{'@componentDatatype': 'double', concept: measure.concept, unit: measure.unit}]
    const data: Array<Array<number | null>> = [values]
    if (temperatures) {
      measures.push({'@componentDatatype': 'double', concept: 'temperature', unit: 'degC'})
      data.push(temperatures)
    }
    const cube = {
      label: table.title ?? measure.concept,
      'cube-structure': {
        dimensions: dimensions.map((d) => ({'@componentDatatype': 'double', concept: d.concept, unit: d.unit})),
        measures,
      },
      data: {dimensions: dimensions.map((d) => d.values), measures: data},
    }
    out.push({well, cube, errors})
  }
  return out
}
