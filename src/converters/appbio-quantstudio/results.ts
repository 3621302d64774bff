import {quantity} from '../asm.js'
import type {ReadingError} from '../models/common.js'
import type {QpcrResults} from '../models/qpcr.js'
import type {Quantity} from '../types.js'
import {type Cell, cellBoolean, cellNumber, cellText, type Table} from './model.js'
import type {SourceRow} from './wells.js'

/**
 * One [Results] row read for one target: per-well results and analysis settings go to the
 * processed data document, replicate-group statistics (means, SDs, RQ, standard curve fit) are
 * returned apart as calculated values, and text in a numeric column ("Undetermined") is an error.
 */

export interface CalculatedValue {
  name: string
  value: number
}

export interface ReadResult {
  processed: QpcrResults
  calculated: CalculatedValue[]
  errors: ReadingError[]
}

/** Columns that identify the well, sample or target: read elsewhere, never as results. */
export const IDENTITY_COLUMNS = new Set([
  'well',
  'well position',
  'sample name',
  'target name',
  'snp assay name',
  'task',
  'reporter',
  'quencher',
  'comments',
  'sample color',
  'target color',
  'biogroup name',
  'biogroup color',
  'snp assay color',
])

/** ASM names for the results QuantStudio writes; the cycle threshold is Ct, Crt or Cq by analysis method. */
const RESULT_NAMES: [RegExp, string][] = [
  [/^(ct|crt|cq|cт)$/i, 'cycle threshold result'],
  [/^automatic (ct|crt|cq|cт) threshold$/i, 'automatic cycle threshold enabled setting'],
  [/^(ct|crt|cq|cт) threshold$/i, 'cycle threshold value setting'],
  [/^automatic baseline$/i, 'automatic baseline determination enabled setting'],
  [/^baseline start$/i, 'baseline determination start cycle setting'],
  [/^baseline end$/i, 'baseline determination end cycle setting'],
  [/^rn$/i, 'normalized reporter result'],
  [/^delta rn$/i, 'baseline corrected reporter result'],
  [/^method$/i, 'genotyping determination method setting'],
  [/^amp score$/i, 'amplification score'],
  [/^cq conf$/i, 'Cq confidence'],
  [/^omit$/i, 'omitted from analysis'],
  [/^tm(\d*)$/i, 'melting temperature $1'],
  [/^pass\.?ref$/i, 'passive reference fluorescence'],
]

/** Statistics over replicate groups or the standard curve, not readings of one well. */
const CALCULATED =
  /\b(mean|sd|se|standard error)\b|^rq\b|^delta (ct|crt|cq|cт)|^delta delta|^ΔΔ|slope|y-intercept|r\(superscript 2\)|^r2$|efficiency|normalized quantity|f factor|fsigma/i

export function resultName(column: string): string {
  for (const [pattern, name] of RESULT_NAMES) if (pattern.test(column)) return column.replace(pattern, name).trim()
  // "Quality(%)": the unit goes to the quantity, not the name.
  return column.replace(/\s*\(%\)$/, '').toLowerCase()
}

export function unitOf(column: string): string {
  if (/^baseline (start|end)$/i.test(column)) return '#'
  if (/^tm\d*$/i.test(column)) return 'degC'
  if (/\(%\)$/.test(column)) return '%'
  if (/^pass\.?ref$/i.test(column)) return 'RFU'
  return '(unitless)'
}

/** Columns holding a number in at least one row: text there is a missing reading, not a label. */
export function numericColumns(table: Table): Set<number> {
  const numeric = new Set<number>()
  for (const row of table.rows) {
    row.forEach((cell, i) => {
      if (!numeric.has(i) && cellNumber(cell) !== undefined) numeric.add(i)
    })
  }
  return numeric
}

const ALLELE_COLUMN = /^allele\s*([12])\s+(.+)$/i

export function readResultRow(source: SourceRow, numeric: Set<number>, genotyping: boolean): ReadResult {
  const read: ReadResult = {processed: {}, calculated: [], errors: []}
  source.columns.names.forEach((header, i) => {
    const cell: Cell = source.row[i]
    if (cell === undefined || header === '') return
    let column = header
    const allele = ALLELE_COLUMN.exec(header)
    if (allele) {
      // Columns of the other allele belong to the other target.
      if (Number(allele[1]) !== source.allele) return
      column = allele[2]
    }
    if (IDENTITY_COLUMNS.has(column.toLowerCase())) return
    // An allele's name columns describe the target, already part of its name.
    if (allele && /^(name|color|reporter|quencher)$/i.test(column)) return
    const name = genotyping && /^call$/i.test(column) ? 'genotyping determination result' : resultName(column)
    const flag = cellBoolean(cell)
    const value = cellNumber(cell)
    if (flag !== undefined) read.processed[name] = flag
    else if (value !== undefined && CALCULATED.test(column)) read.calculated.push({name: column, value})
    else if (value !== undefined) read.processed[name] = quantity(value, unitOf(column)) satisfies Quantity
    else if (numeric.has(i) || name === 'cycle threshold result') read.errors.push({error: cellText(cell), feature: name})
    else read.processed[name] = cellText(cell)
  })
  return read
}
