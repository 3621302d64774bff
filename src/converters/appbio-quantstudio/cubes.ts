import type {QpcrDataCube} from '../models/qpcr.js'
import {type Cell, cellNumber, Columns, type Table} from './model.js'

/**
 * Per-well series ([Amplification Data], [Multicomponent Data], [Raw Data], [Melt Curve Raw Data])
 * as ASM data cubes: the cycle (or reading) as the dimension, every other numeric column a measure.
 */

/** Columns that say where a row belongs rather than what was measured. */
const LOCATING = new Set(['well', 'well position', 'target name', 'target', 'snp assay name', 'sample name'])
const DIMENSIONS = ['Cycle', 'Reading']

/** ASM concepts for the measures QuantStudio names. */
const MEASURE_CONCEPTS: Record<string, {concept: string; unit: string}> = {
  rn: {concept: 'normalized reporter result', unit: '(unitless)'},
  'delta rn': {concept: 'baseline corrected reporter result', unit: '(unitless)'},
  temperature: {concept: 'temperature', unit: 'degC'},
  fluorescence: {concept: 'reporter dye fluorescence', unit: 'RFU'},
  derivative: {concept: 'slope', unit: '(unitless)'},
}

/** Rows of a table grouped by a key, in order of first appearance. */
export function groupRows(table: Table, key: (row: Cell[]) => string | undefined): Map<string, Cell[][]> {
  const groups = new Map<string, Cell[][]>()
  for (const row of table.rows) {
    const k = key(row)
    if (k === undefined) continue
    const group = groups.get(k)
    if (group) group.push(row)
    else groups.set(k, [row])
  }
  return groups
}

/**
 * One cube over rows of one well (and target). `defaultUnit` is the unit of measures this table's
 * section implies (RFU for dye signals) when the column is not a known concept.
 */
export function dataCube(label: string, table: Table, rows: Cell[][], defaultUnit: string): QpcrDataCube | undefined {
  const columns = new Columns(table.columns)
  const dimension = DIMENSIONS.find((d) => columns.has(d))
  if (!dimension || rows.length === 0) return undefined
  const measureColumns = table.columns.filter(
    (c) => c !== '' && c.toLowerCase() !== dimension.toLowerCase() && !LOCATING.has(c.toLowerCase()),
  )
  const positions = measureColumns.map((c) => table.columns.indexOf(c))
  const dims: number[] = []
  const measures: (number | null)[][] = measureColumns.map(() => [])
  for (const row of rows) {
    const d = cellNumber(columns.get(row, dimension))
    if (d === undefined) continue
    dims.push(d)
    positions.forEach((p, m) => measures[m].push(cellNumber(row[p]) ?? null))
  }
  if (dims.length === 0) return undefined
  return {
    label,
    'cube-structure': {
      dimensions: [{'@componentDatatype': 'integer', concept: dimension === 'Cycle' ? 'cycle count' : 'reading number', unit: '#'}],
      measures: measureColumns.map((c) => ({
        '@componentDatatype': 'double',
        ...(MEASURE_CONCEPTS[c.toLowerCase()] ?? {concept: c, unit: defaultUnit}),
      })),
    },
    data: {dimensions: [dims], measures},
  }
}

/** The highest cycle a cube holds: the run's total cycle number for that well. */
export function lastCycle(cube: QpcrDataCube | undefined): number | undefined {
  if (!cube || cube['cube-structure'].dimensions[0].concept !== 'cycle count') return undefined
  let max: number | undefined
  for (const c of cube.data.dimensions[0]) if (max === undefined || c > max) max = c
  return max
}
