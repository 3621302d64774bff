import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {optionalQuantity, quantity} from './asm.js'
import {type CalculatedValue, IdentifierSequence} from './models/common.js'
import {
  type LightObscurationMeasurement,
  lightObscurationDocument,
  PARTICLE_UNITS,
  type ParticleSizeRow,
} from './models/light-obscuration.js'
import {parseNumber} from './numbers.js'
import {type Cell, isHtmlWorkbook, isXls, isXlsx, readSheets} from './spreadsheet/index.js'
import {zipHeadEntries} from './appbio-quantstudio/zip-head.js'
import type {Converter, ConverterInput} from './types.js'

/**
 * Beckman Coulter HIAC / PharmSpec light obscuration reports (.xlsx, and .xls from older
 * software): "Key : value" header cells (sample, sensor, volumes, runs), then a table of
 * particle sizes with cumulative (and differential) counts and counts per mL for each run and
 * their average.
 */
const COLUMNS: Record<string, keyof Omit<ParticleSizeRow, 'identifier'>> = {
  'particle size(um)': 'particleSize',
  'cumulative count': 'cumulativeCount',
  'cumulative counts/ml': 'cumulativeDensity',
  'differential count': 'differentialCount',
  'differential counts/ml': 'differentialDensity',
}
const UNIT_OF: Record<keyof Omit<ParticleSizeRow, 'identifier'>, string> = {
  particleSize: PARTICLE_UNITS.size,
  cumulativeCount: PARTICLE_UNITS.count,
  differentialCount: PARTICLE_UNITS.count,
  cumulativeDensity: PARTICLE_UNITS.density,
  differentialDensity: PARTICLE_UNITS.density,
}

function text(cell: Cell): string {
  return cell === undefined ? '' : String(cell).trim()
}

export const beckmanPharmspec: Converter<BuiltinDocument> = {
  name: 'beckman-pharmspec',
  version: '1.0.0',
  technique: 'light obscuration',
  description: 'Beckman Coulter HIAC PharmSpec particle count reports (.xlsx, .xls) as ASM light obscuration',

  detect(_name: string, head: Buffer): number {
    if (isXls(head) || isHtmlWorkbook(head)) {
      return head.includes('Particle Size') || head.includes(Buffer.from('Particle Size', 'utf16le')) ? 0.9 : 0
    }
    if (!isXlsx(head)) return 0
    const strings = [...zipHeadEntries(head, (name) => name === 'xl/sharedStrings.xml' || name.startsWith('xl/worksheets/')).values()].join(
      '',
    )
    const markers = ['Particle Size', 'Cumulative Count', 'Sensor Serial Number', 'No Of Runs'].filter((m) => strings.includes(m)).length
    return markers >= 3 ? 0.9 : 0
  },

  async convert(input: ConverterInput) {
    function invalid(what: string): never {
      throw new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
    }
    const rows = (await readSheets(input)).flatMap((sheet) => sheet.rows.map((row) => Array.from(row, text)))
    const tableAt = rows.findIndex((row) => row.some((c) => /^particle size/i.test(c)))
    if (tableAt < 0) invalid('expected a PharmSpec report with a "Particle Size(µm)" table, found none')
    const header = headerValues(rows.slice(0, tableAt))
    const columns = rows[tableAt].map((c) => COLUMNS[columnKey(c)])
    const runs = new Map<string, ParticleSizeRow[]>()
    const ids = new IdentifierSequence(input.name)
    let run: string | undefined
    let closed = false
    for (const row of rows.slice(tableAt + 1)) {
      if (/^approver/i.test(row[0] ?? '')) {
        closed = true
        break
      }
      if (row[0] && row[0] !== '') run = row[0].replace(/^Run\s*(\d+)$/i, 'Run $1')
      if (!columns.some((key, c) => key && (row[c] ?? '') !== '')) continue
      if (run === undefined) invalid('expected a run name ("Run 1", "Average") before the first particle size row')
      const values: Partial<ParticleSizeRow> = {identifier: ids.next()}
      columns.forEach((key, c) => {
        if (key) values[key] = optionalQuantity(parseNumber(row[c]), UNIT_OF[key])
      })
      if (!values.particleSize) invalid(`a particle size in the ${run} rows is missing`)
      const list = runs.get(run) ?? []
      list.push(values as ParticleSizeRow)
      runs.set(run, list)
    }
    const average = runs.get('Average')
    const measured = [...runs].filter(([name]) => name !== 'Average')
    // The table closes with the approval line, or (older reports) with the average of the runs: without either it was cut short.
    const averaged = average !== undefined && measured.length > 0 && average.length === measured[0][1].length
    if (measured.length === 0 || !(closed || averaged)) {
      invalid('expected particle size runs closed by the "Approver" line or their "Average": the report looks truncated')
    }
    const number = (key: string) => parseNumber(header.get(key))
    const sample = {identifier: header.get('Probe') ?? header.get('Sample Name') ?? header.get('Container ID')}
    const settings = {
      sampleVolume: optionalQuantity(number('Sample Volume (mL)'), 'mL'),
      detectorViewVolume: optionalQuantity(number('View Volume') ?? number('View Volume (%)'), 'mL'),
      repetitions: optionalQuantity(number('No Of Runs'), '(unitless)'),
      dilutionFactor: optionalQuantity(number('Dilution Factor'), '(unitless)'),
      tareVolume: optionalQuantity(number('Tare Volume (mL)'), 'mL'),
    }
    const measurements: LightObscurationMeasurement[] = measured.map(([name, distribution]) => ({
      identifier: `${input.name}_${name}`,
      time: header.get('Sample Date'),
      sample,
      settings,
      distribution,
      custom: header.has(name) ? {[name]: header.get(name)!} : undefined,
    }))
    const calculated: CalculatedValue[] = (average ?? []).flatMap((row) =>
      (Object.keys(UNIT_OF) as (keyof typeof UNIT_OF)[])
        .filter((key) => row[key] !== undefined)
        .map((key) => ({
          identifier: `${row.identifier}_${key}`,
          name: `average ${key.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)}`,
          value: row[key]!,
          sources: measured.flatMap(([, rows]) =>
            rows.filter((r) => r.particleSize.value === row.particleSize.value).map((r) => ({identifier: r.identifier, feature: key})),
          ),
        })),
    )
    const title = rows.flat().find((c) => /PharmSpec|HIAC/i.test(c))
    return lightObscurationDocument(input, beckmanPharmspec, {
      device: {
        manufacturer: 'Beckman Coulter',
        model: header.get('Sensor Model'),
        serialNumber: header.get('Sensor Serial Number'),
      },
      software: {name: 'PharmSpec', version: /v(\d+(?:\.\d+)*)/.exec(title ?? '')?.[1]},
      analyst: header.get('Operator Name'),
      measurements,
      calculated,
      custom: Object.fromEntries(
        [...header].map(([k, v]) => [k, parseNumber(v) !== undefined ? quantity(parseNumber(v)!, '(unitless)') : v]),
      ),
    })
  },
}

/** Header names folded: case, and the micro sign however the report wrote it ("µ", "μ", "&#181;"). */
function columnKey(name: string): string {
  return name.toLowerCase().replace(/&#181;|[µμ]/g, 'u')
}

/** "Key", ":", "value" or "Key", ": value" cells, several pairs per row. */
function headerValues(rows: string[][]): Map<string, string> {
  const values = new Map<string, string>()
  for (const row of rows) {
    for (let c = 0; c < row.length; c++) {
      const key = row[c]
      if (key === '' || key.startsWith(':')) continue
      if (row[c + 1] === ':') {
        values.set(key, row[c + 2] ?? '')
        c += 2
      } else if (row[c + 1]?.startsWith(':')) {
        values.set(key, row[c + 1].slice(1).trim())
        c += 1
      } else if (/^Run\s*\d+$/i.test(key) && row[c + 1]) {
        values.set(key.replace(/^Run\s*(\d+)$/i, 'Run $1'), row[c + 1])
        c += 1
      }
    }
  }
  return values
}
