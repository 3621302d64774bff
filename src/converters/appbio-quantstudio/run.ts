import {LabmeshError} from '../../errors.js'
import {compact, quantity} from '../asm.js'
import type {QpcrAdditionalTable, QpcrCalculatedValue, QpcrMeasurement, QpcrRun, QpcrSample, QpcrSeries} from '../models/qpcr.js'
import type {ConverterInput, Quantity} from '../types.js'
import {dataCube, groupRows, lastCycle} from './cubes.js'
import {type Cell, cellNumber, cellText, Columns, type QuantStudioExport, SECTION, type Table} from './model.js'
import {type CalculatedValue, IDENTITY_COLUMNS, numericColumns, readResultRow, unitOf} from './results.js'
import {optionalText, type TargetEntry, type WellEntry, WellRegistry} from './wells.js'

const KNOWN_SECTIONS = new Set<string>(Object.values(SECTION))

/**
 * Well volume of a block: its name says so ("96-Well Block (0.2mL)", "Fast 96-Well Block (0.1mL)"),
 * else the MicroAmp plate the block takes: 40 µL wells at 384, 0.2 mL wells at 96.
 */
function blockWellVolume(blockType: string | undefined, wells: number | undefined): Quantity | undefined {
  const named = blockType ? /(\d*\.?\d+)\s*-?\s*mL\b/i.exec(blockType) : null
  if (named) return quantity(Number(named[1]) * 1000, 'µL')
  if (wells === 384) return quantity(40, 'µL')
  if (wells === 96) return quantity(200, 'µL')
  return undefined
}

/** A QuantStudio export read into the qPCR model: one entry per well holding reactions, one measurement per target. */
export function readQpcrRun(input: ConverterInput, exported: QuantStudioExport): QpcrRun {
  const {header, tables} = exported
  const meta = (...keys: string[]): string | undefined => {
    for (const key of keys) {
      const value = header.get(key)
      if (value && value !== 'NA') return value
    }
    return undefined
  }
  const setup = tables.get(SECTION.sampleSetup)
  const results = tables.get(SECTION.results)
  const amplification = tables.get(SECTION.amplification)
  if (!results?.rows.length && !amplification?.rows.length) {
    throw new LabmeshError(
      'INVALID_DATA',
      `${input.name}: expected a QuantStudio [Results] or [Amplification Data] table with rows and found none (truncated file?)`,
      {
        subject: input.name,
      },
    )
  }

  const blockType = meta('Block Type')
  const plateWellCount = Number(/(\d+)\s*-?\s*well/i.exec(blockType ?? '')?.[1]) || undefined
  const registry = new WellRegistry(plateWellCount)
  if (setup) registry.addSetup(setup)
  if (results) registry.addResults(results)
  if (amplification) registry.addSeries(amplification, true)
  const wellSeries: [QpcrSeries, Table | undefined, string][] = [
    ['multicomponent', tables.get(SECTION.multicomponent), 'RFU'],
    ['raw data', tables.get(SECTION.rawData), 'RFU'],
    ['melting curve', tables.get(SECTION.meltCurve), 'RFU'],
  ]
  for (const [, table] of wellSeries) if (table) registry.addSeries(table, false)

  const ampGroups = amplification ? groupByWell(amplification, registry, true) : new Map<string, Cell[][]>()
  const seriesGroups = wellSeries.map(([label, table, unit]) => ({
    label,
    table,
    unit,
    groups: table ? groupByWell(table, registry, false) : new Map<string, Cell[][]>(),
  }))

  const numeric = results ? numericColumns(results) : new Set<number>()
  const genotyping = results ? new Columns(results.columns).has('SNP Assay Name') : false
  const calculated = new Map<string, QpcrCalculatedValue>()
  let measurementCount = 0

  const time = meta('Experiment Run End Time', 'Experiment Run Stop Time')
  const barcode = meta('Experiment Barcode', 'Barcode')
  const runSettings = {method: meta('Quantification Cycle Method'), chemistry: meta('Chemistry')}
  const passiveReferenceDye = meta('Passive Reference')

  const measurement = (well: WellEntry, entry: TargetEntry): QpcrMeasurement => {
    const identifier = `${input.name}_${++measurementCount}`
    const location = registry.position(well)
    const read = entry.result ? readResultRow(entry.result, numeric, genotyping) : undefined
    for (const value of read?.calculated ?? []) addCalculated(input.name, calculated, value, entry.target, identifier, location)
    const ampRows = ampGroups.get(seriesKey(well.id, entry.target ?? ''))
    const ampCube = ampRows && amplification ? dataCube('amplification', amplification, ampRows, '(unitless)') : undefined
    const series: QpcrMeasurement['series'] = {}
    for (const {label, table, unit, groups} of seriesGroups) {
      const rows = groups.get(seriesKey(well.id))
      if (rows && table) series[label] = dataCube(label, table, rows, unit)
    }
    const dye = (name: 'Reporter' | 'Quencher') => sourceText(entry, name) ?? alleleText(entry, name)
    return {
      identifier,
      time,
      target: entry.target,
      sample: sampleOf(entry, location, barcode),
      settings: {
        ...runSettings,
        totalCycles: lastCycle(ampCube),
        reporterDye: dye('Reporter'),
        quencherDye: dye('Quencher'),
        passiveReferenceDye,
      },
      results: read?.processed,
      amplification: ampCube,
      series,
      errors: read?.errors ?? [],
    }
  }

  const wells = [...registry.wells.values()].filter((w) => w.targets.size > 0).sort((a, b) => a.id - b.id)
  const measurements = wells.map((well) => [...well.targets.values()].map((entry) => measurement(well, entry)))
  const notes = results?.notes ?? new Map<string, string>()
  return {
    device: {
      manufacturer: 'Applied Biosystems',
      identifier: meta('Instrument Name'),
      model: meta('Instrument Type'),
      serialNumber: meta('Instrument Serial Number'),
    },
    software: {name: [...header.entries()].find(([key]) => /software/i.test(key))?.[1]},
    header: Object.fromEntries(header),
    analyst: meta('Experiment User Name', 'User Name'),
    experimentalDataIdentifier: meta('Experiment Name'),
    experimentType: meta('Experiment Type'),
    wellCount: plateWellCount,
    wellVolume: blockWellVolume(blockType, plateWellCount),
    wells: measurements,
    calculated: [...calculated.values()],
    referenceTarget: notes.get('Endogenous Control'),
    referenceSample: notes.get('Reference Sample'),
    analysisSettings: notes.size > 0 ? analysisSettings(notes) : undefined,
    additionalTables: additionalTables(tables),
  }
}

/** Rows of a per-well series table by well, or by well and target name. */
function groupByWell(table: Table, registry: WellRegistry, byTarget: boolean): Map<string, Cell[][]> {
  const columns = new Columns(table.columns)
  return groupRows(table, (row) => {
    const well = registry.wellOf(columns, row)
    return well && seriesKey(well.id, byTarget ? columns.text(row, 'Target Name') : undefined)
  })
}

function seriesKey(wellId: number, target?: string): string {
  return target === undefined ? String(wellId) : `${wellId}\u0000${target}`
}

function sampleOf(entry: TargetEntry, location: string | undefined, barcode: string | undefined): QpcrSample {
  const properties: Record<string, string | Quantity> = {}
  // Everything else the setup row says about the sample (colors, the standard's quantity, ...).
  const setup = entry.setup
  setup?.columns.names.forEach((name, i) => {
    const key = name.toLowerCase()
    if (IDENTITY_COLUMNS.has(key) && !/color$/.test(key)) return
    if (/^allele[12]/.test(key)) return
    const cell = setup.row[i]
    const value = cellNumber(cell)
    if (value !== undefined) properties[`${key} setting`] = quantity(value, '(unitless)')
    else if (cell !== undefined) properties[key] = cellText(cell)
  })
  return {
    identifier: sourceText(entry, 'Sample Name'),
    location,
    plate: barcode,
    role: sourceText(entry, 'Task'),
    group: sourceText(entry, 'Biogroup Name'),
    comments: sourceText(entry, 'Comments'),
    properties,
  }
}

/** A descriptive column of the target, from its setup row or else its results row. */
function sourceText(entry: TargetEntry, column: string): string | undefined {
  for (const source of [entry.setup, entry.result]) {
    const text = source && optionalText(source.columns.get(source.row, column))
    if (text) return text
  }
  return undefined
}

/** Genotyping dyes are per allele: "Allele1 Reporter". */
function alleleText(entry: TargetEntry, column: string): string | undefined {
  const source = entry.setup ?? entry.result
  if (!source?.allele) return undefined
  return optionalText(source.columns.get(source.row, `Allele${source.allele} ${column}`))
}

/** Statistics repeated on every row of a replicate group become one calculated value naming each row's measurement. */
function addCalculated(
  file: string,
  values: Map<string, QpcrCalculatedValue>,
  value: CalculatedValue,
  target: string | undefined,
  source: string,
  location?: string,
): void {
  const key = `${value.name}\u0000${target ?? ''}\u0000${value.value}`
  let calculated = values.get(key)
  if (!calculated) {
    const identifier = `${file}_calculated_${values.size + 1}`
    values.set(key, (calculated = {identifier, name: value.name, target, value: quantity(value.value, '(unitless)'), sources: []}))
  }
  calculated.sources.push({identifier: source, location})
}

/** The `key = value` lines below [Results]: numbers as quantities (confidence levels in %). */
function analysisSettings(notes: Map<string, string>): Record<string, Quantity | string> {
  const analysis: Record<string, Quantity | string> = {}
  for (const [key, text] of notes) {
    const value = cellNumber(text)
    analysis[key] = value === undefined ? text : quantity(value, /confidence/i.test(key) ? '%' : '(unitless)')
  }
  return analysis
}

function additionalRow(columns: string[], row: Cell[]): Record<string, Quantity | string> {
  const record: Record<string, Quantity | string> = {}
  columns.forEach((column, i) => {
    const cell = row[i]
    if (cell === undefined) return
    const value = cellNumber(cell)
    record[column || `column ${i + 1}`] = value === undefined ? cellText(cell) : quantity(value, unitOf(column))
  })
  return record
}

/** Sections this converter has no model for, and stray lines, kept as they were read. */
function additionalTables(tables: Map<string, Table>): Record<string, QpcrAdditionalTable> | undefined {
  const extra: Record<string, QpcrAdditionalTable> = {}
  for (const [name, table] of tables) {
    const known = KNOWN_SECTIONS.has(name)
    const strayNotes = name === SECTION.results ? new Map() : table.notes
    if (known && strayNotes.size === 0) continue
    extra[name] = compact({
      // Rows of result tables without a model (replicate groups, standard curves): numbers as quantities under their column.
      rows: known ? undefined : table.rows.map((row) => additionalRow(table.columns, row)),
      notes: strayNotes.size > 0 ? Object.fromEntries(strayNotes) : undefined,
    })
  }
  return Object.keys(extra).length > 0 ? extra : undefined
}
