import {LabmeshError} from '../errors.js'
import {maxOf} from './arrays.js'
import {optionalQuantity, quantity} from './asm.js'
import {
  type Analyte,
  type AnalyteReadings,
  type SolutionAnalyzerDocument,
  solutionAnalyzerDocument,
  type SolutionAnalyzerMeasurement,
} from './models/solution-analyzer.js'
import {parseNumber} from './numbers.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput, Quantity} from './types.js'

/**
 * Roche Cedex Bio HT bioprocess analyzer: the tab-separated "#ARC-FILE#" result archive. A title
 * record (type 0) names the instrument; each result record (type 40) holds one analyte test of
 * one sample. Software 6 and 7 write sample, batch, role, sample dilution, test, test dilution,
 * unit, flag, value, raw value, status; software 5 writes the test before the sample and has no
 * batch or dilutions.
 */

const TITLE_RECORD = '0'
const RESULT_RECORD = '40'
const ARC_MARKER = '#ARC-FILE#'

/** Results the same sample gets more than this apart belong to separate measurement runs. */
const RUN_GAP_MS = 60 * 60 * 1000

/**
 * The ASM solution-analyzer schema has no catalytic-activity unit; the reference ASM output writes
 * U/L results as mmol/L multiplied by 0.0167 (1 U/L = 0.0167 µkat/L). We follow it and keep U/L too.
 */
const UNITS_PER_LITRE_TO_MMOL = 0.0167

/** Test-code prefixes (code = analyte + kit suffix, e.g. GLC3B, NH3LB), longest first where they overlap. */
const ANALYTES: [string, string][] = [
  ['AQQ', 'alanine-glutamine corrected'],
  ['AQ', 'alanine-glutamine'],
  ['AC', 'acetate'],
  ['NH3', 'ammonia'],
  ['ARA', 'arabinose'],
  ['ASN', 'asparagine'],
  ['ASP', 'aspartate'],
  ['CHO', 'cholesterol'],
  ['CA', 'calcium'],
  ['ETOH', 'ethanol'],
  ['FOR', 'formate'],
  ['GAL', 'galactose'],
  ['GLC', 'glucose'],
  ['GLU', 'glutamate'],
  ['GLN', 'glutamine'],
  ['GLY', 'glycerol'],
  ['FAB', 'Ig Fab human'],
  ['IGG', 'IgG human'],
  ['MIG', 'IgG mouse'],
  ['FE', 'iron'],
  ['LAC', 'lactate'],
  ['LDH', 'lactate dehydrogenase'],
  ['MG', 'magnesium'],
  ['NO3', 'nitrate'],
  ['PHO', 'phosphate'],
  ['PYR', 'pyruvate'],
  ['NA', 'sodium'],
  ['SUGL', 'sucrose corrected'],
  ['SUC', 'sucrose'],
  ['TP', 'total protein'],
  ['OSM', 'osmolality'],
  ['OD', 'optical density'],
  ['K', 'potassium'],
]

interface ResultRecord {
  record: number
  time: string
  /** `time` as milliseconds, for ordering and run splitting; 0 when unreadable. */
  epoch: number
  sample: string
  batch: string
  role: string
  dilution: string
  testDilution: string
  code: string
  unit: string
  flag: string
  value: string
  raw: string
  status: string
  extra: string[]
}

/** Column positions of a result record, by software generation. */
interface Layout {
  sample: number
  batch?: number
  role: number
  /** Dilution registered with the sample (e.g. "1/4" for a whole plate). */
  dilution?: number
  code: number
  /** Dilution the analyzer applied to this one test (e.g. a rerun at "1/5"). */
  testDilution?: number
  unit: number
  flag: number
  value: number
  raw: number
  status: number
}

const LAYOUT_V6: Layout = {
  sample: 2,
  batch: 3,
  role: 4,
  dilution: 5,
  code: 6,
  testDilution: 7,
  unit: 8,
  flag: 9,
  value: 10,
  raw: 11,
  status: 12,
}
const LAYOUT_V5: Layout = {code: 2, sample: 5, role: 6, unit: 7, flag: 8, value: 9, raw: 10, status: 11}
const KNOWN_COLUMNS = new Map<Layout, Set<number>>([LAYOUT_V6, LAYOUT_V5].map((l) => [l, new Set([0, 1, ...Object.values(l)])]))

export const rocheCedexBioht: Converter = {
  name: 'roche-cedex-bioht',
  version: '1.0.0',
  technique: 'solution analyzer',
  description: 'Roche Cedex Bio HT bioprocess analyzer result archive (tab-separated #ARC-FILE#)',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0 || looksBinary(head)) return 0
    const text = decodeText(head)
    const title = text.split('\n', 1)[0].split('\t')
    if (title[0]?.trim() !== TITLE_RECORD || title[2]?.trim() !== ARC_MARKER) return 0
    return title.some((f) => /cedex\s*bio\s*ht/i.test(f)) ? 1 : 0.7
  },

  convert(input: ConverterInput): SolutionAnalyzerDocument {
    const lines = decodeText(input.bytes).split('\n')
    const records = lines.map((line) => line.split('\t')).filter((cells) => cells.some((c) => c.trim() !== ''))
    const title = records[0]
    if (!title || title[0].trim() !== TITLE_RECORD || title[2]?.trim() !== ARC_MARKER) {
      invalid(input.name, `a Cedex Bio HT archive starting with a "${ARC_MARKER}" title record and found none`)
    }
    assertPaddingWhole(input.name, records)
    const results: ResultRecord[] = []
    const otherRecords: string[][] = []
    for (let i = 1; i < records.length; i++) {
      const cells = records[i]
      if (cells[0].trim() === RESULT_RECORD) results.push(readResult(input.name, cells, i))
      else otherRecords.push(cells.map((c) => c.trim()))
    }
    if (results.length === 0) invalid(input.name, `result records (type ${RESULT_RECORD}) after the title record and found none`)

    const field = (i: number) => title[i]?.trim() || undefined
    let counter = 0
    const nextId = () => `${input.name}_${++counter}`
    return solutionAnalyzerDocument(input, rocheCedexBioht, {
      device: {manufacturer: 'Roche', model: field(6), serialNumber: field(7)},
      software: {name: field(6), version: field(8)},
      file: {formatVersion: field(3), periodStart: field(4), periodEnd: field(5)},
      analyst: field(9),
      processingTime: field(1),
      samples: groupBySample(results).map((sampleResults) => splitIntoRuns(sampleResults).map((run) => measurementOf(run, nextId()))),
      unparsedRecords: otherRecords,
    })
  },
}

/** `record`: the record's position after the title, for messages and stable ordering. */
function readResult(file: string, cells: string[], record: number): ResultRecord {
  const layout = looksLikeUnit(cells[8]) ? LAYOUT_V6 : looksLikeUnit(cells[7]) ? LAYOUT_V5 : undefined
  if (!layout || cells.length <= layout.value) {
    invalid(file, `a unit and a value in result record ${record} and found "${cells.join(' | ').slice(0, 120)}" (truncated file?)`)
  }
  const at = (i: number | undefined) => (i === undefined ? '' : (cells[i] ?? '').trim())
  const known = KNOWN_COLUMNS.get(layout)!
  const extra: string[] = []
  for (let i = 0; i < cells.length; i++) {
    // Anything beyond the known columns is kept, not dropped.
    if (!known.has(i) && cells[i].trim() !== '') extra.push(cells[i].trim())
  }
  const time = at(1)
  return {
    record,
    time,
    epoch: epochOf(time),
    sample: at(layout.sample),
    batch: at(layout.batch),
    role: at(layout.role),
    dilution: at(layout.dilution),
    testDilution: at(layout.testDilution),
    code: at(layout.code),
    unit: at(layout.unit),
    flag: at(layout.flag),
    value: at(layout.value),
    raw: at(layout.raw),
    status: at(layout.status),
    extra,
  }
}

function looksLikeUnit(cell: string | undefined): boolean {
  const s = cell?.trim() ?? ''
  return s === 'OD' || s === 'mM' || s === '%' || /^[A-Za-zµμ]+\/[A-Za-z]+$/.test(s)
}

/** One group per sample and batch, in order of first appearance. */
function groupBySample(results: ResultRecord[]): ResultRecord[][] {
  const groups = new Map<string, ResultRecord[]>()
  for (const r of results) {
    const key = `${r.sample}\u0000${r.batch}`
    const group = groups.get(key)
    if (group) group.push(r)
    else groups.set(key, [r])
  }
  return [...groups.values()]
}

/** A sample's results split into runs: a new run after a long pause or when a test repeats. */
function splitIntoRuns(results: ResultRecord[]): ResultRecord[][] {
  const sorted = [...results].sort((a, b) => a.epoch - b.epoch || a.record - b.record)
  const runs: ResultRecord[][] = []
  let current: ResultRecord[] = []
  let codes = new Set<string>()
  let previous = Number.NaN
  for (const r of sorted) {
    const t = r.epoch
    if (current.length > 0 && (t - previous > RUN_GAP_MS || codes.has(r.code))) {
      runs.push(current)
      current = []
      codes = new Set()
    }
    current.push(r)
    codes.add(r.code)
    previous = t
  }
  runs.push(current)
  return runs
}

/** "2023-09-15 16:55:51" as a count of milliseconds (time zone does not matter for differences). */
function epochOf(time: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(time)
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : 0
}

function measurementOf(run: ResultRecord[], identifier: string): SolutionAnalyzerMeasurement {
  const first = run[0]
  return {
    identifier,
    time: first.time,
    sample: {identifier: first.sample, batch: first.batch, role: first.role},
    analytes: run.map(analyteOf),
  }
}

function analyteOf(r: ResultRecord): Analyte {
  const name = analyteName(r.code)
  const unit = normaliseUnit(r.unit)
  const value = parseNumber(r.value)
  const analyte: Analyte = {
    name,
    code: r.code,
    readings: value === undefined ? {} : reading(value, unit),
    time: r.time,
    dilution: dilutionSetting(r.dilution),
    testDilution: dilutionSetting(r.testDilution),
    flag: r.flag,
    // The archive's unlabelled number after the result: the test's raw measurement, kept as read.
    rawValue: optionalQuantity(parseNumber(r.raw), '(unitless)') ?? r.raw,
    status: r.status,
    additionalFields: r.extra,
  }
  if (value !== undefined) return analyte
  // "< 20.00" / "> 0.264": outside the test's range. The reading stays a string; its bounds become
  // quantities (a concentration below the range lies between 0 and the limit).
  const bound = /^([<>])\s*(.+)$/.exec(r.value)
  const limit = bound ? parseNumber(bound[2]) : undefined
  analyte.error = {text: r.value || r.flag || 'no result'}
  if (bound && limit !== undefined) {
    if (bound[1] === '<') Object.assign(analyte.error, {lower: reading(0, unit), upper: reading(limit, unit)})
    else analyte.error.lower = reading(limit, unit)
  }
  return analyte
}

/** The reading under its ASM name and unit, plus the reported value when the unit had to change. */
function reading(value: number, unit: string): AnalyteReadings {
  switch (unit) {
    case 'g/L':
      return {'mass concentration': quantity(value, unit)}
    case 'mg/L':
      return {'mass concentration': quantity(value / 1000, 'g/L'), 'reported result': quantity(value, unit)}
    case 'mmol/L':
      return {'molar concentration': quantity(value, unit)}
    case 'mL/L':
      return {'volume concentration': quantity(value, unit)}
    case 'U/L':
      return {'molar concentration': quantity(value * UNITS_PER_LITRE_TO_MMOL, 'mmol/L'), 'reported result': quantity(value, unit)}
    case 'OD':
      // The reference ASM output files the analyzer's optical density under absorbance in mAU.
      return {absorbance: quantity(value, 'mAU'), 'reported result': quantity(value, unit)}
    default:
      return {'reported result': quantity(value, unit)}
  }
}

/** "1/4" as a dilution factor of 4; any other spelling is kept as text. */
function dilutionSetting(text: string): Quantity | string {
  const m = /^1\s*\/\s*(\d+(?:\.\d+)?)$/.exec(text)
  return m ? quantity(Number(m[1]), '(unitless)') : text
}

function normaliseUnit(unit: string): string {
  if (unit === 'mM' || /^mmol\/l$/i.test(unit)) return 'mmol/L'
  if (/^mg\/l$/i.test(unit)) return 'mg/L'
  if (/^g\/l$/i.test(unit)) return 'g/L'
  if (/^u\/l$/i.test(unit)) return 'U/L'
  if (/^ml\/l$/i.test(unit)) return 'mL/L'
  return unit
}

function analyteName(code: string): string {
  const upper = code.toUpperCase()
  return ANALYTES.find(([prefix]) => upper.startsWith(prefix))?.[1] ?? code
}

/**
 * Archives that pad records with empty cells pad every one to the same width (26 cells in the
 * real exports): a padded record narrower than the others was cut short, after a tab, which the
 * registry's line check cannot tell from a whole record.
 */
function assertPaddingWhole(file: string, records: string[][]): void {
  const padded = (cells: string[]): boolean => cells.length > 1 && cells.at(-1)!.trim() === ''
  const width = maxOf(
    records.filter(padded).map((cells) => cells.length),
    0,
  )
  const cut = records.findIndex((cells) => padded(cells) && cells.length < width)
  if (cut !== -1)
    invalid(file, `every padded record ${width} cells wide and found record ${cut} with ${records[cut].length} (truncated file?)`)
}

function invalid(file: string, expected: string): never {
  throw new LabmeshError('INVALID_DATA', `${file}: expected ${expected}`, {subject: file})
}
