import {LabmeshError} from '../../errors.js'
import {compact, dataSystemDocument, quantity} from '../asm.js'
import type {Converter, ConverterInput, EngineeredDocument, Quantity} from '../types.js'
import {type DataCube, dataCube, groupRows, lastCycle} from './cubes.js'
import {type Cell, cellNumber, cellText, Columns, type QuantStudioExport, SECTION, type Table} from './model.js'
import {type CalculatedValue, IDENTITY_COLUMNS, numericColumns, readResultRow, unitOf} from './results.js'
import {optionalText, type TargetEntry, type WellEntry, WellRegistry} from './wells.js'

/** The engineered qPCR document of a QuantStudio export: one qPCR document per well, one measurement per target. */

const MANIFEST = 'http://purl.allotrope.org/manifests/pcr/BENCHLING/2023/09/qpcr.manifest'
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

interface CalculatedGroup {
  name: string
  value: number
  target?: string
  sources: {'data source identifier': string; 'location identifier'?: string}[]
}

export function buildDocument(
  input: ConverterInput,
  converter: Pick<Converter, 'name' | 'version'>,
  exported: QuantStudioExport,
): EngineeredDocument {
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
  const wellSeries: [string, Table | undefined, string][] = [
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
  const calculated = new Map<string, CalculatedGroup>()
  let measurementCount = 0

  const settings = {
    time: meta('Experiment Run End Time', 'Experiment Run Stop Time'),
    barcode: meta('Experiment Barcode', 'Barcode'),
    chemistry: meta('Chemistry'),
    passiveReference: meta('Passive Reference'),
    method: meta('Quantification Cycle Method'),
  }

  const measurement = (well: WellEntry, entry: TargetEntry): Record<string, unknown> => {
    const identifier = `${input.name}_${++measurementCount}`
    const location = registry.position(well)
    const read = entry.result ? readResultRow(entry.result, numeric, genotyping) : undefined
    for (const value of read?.calculated ?? []) addCalculated(calculated, value, entry.target, identifier, location)
    const ampRows = ampGroups.get(seriesKey(well.id, entry.target ?? ''))
    const ampCube = ampRows && amplification ? dataCube('amplification', amplification, ampRows, '(unitless)') : undefined
    const totalCycles = lastCycle(ampCube)
    const cubes: Record<string, DataCube | undefined> = {}
    for (const series of seriesGroups) {
      const rows = series.groups.get(seriesKey(well.id))
      if (rows && series.table) cubes[`${series.label} data cube`] = dataCube(series.label, series.table, rows, series.unit)
    }
    const dye = (name: 'Reporter' | 'Quencher') => sourceText(entry, name) ?? alleleText(entry, name)
    return compact({
      'measurement identifier': identifier,
      'measurement time': settings.time,
      'target DNA description': entry.target,
      'sample document': sampleDocument(entry, location, settings.barcode),
      'device control aggregate document': {
        'device control document': [
          compact({
            'device type': 'qPCR',
            'measurement method identifier': settings.method,
            'total cycle number setting': totalCycles === undefined ? undefined : quantity(totalCycles, '(unitless)'),
            'PCR detection chemistry': settings.chemistry,
            'reporter dye setting': dye('Reporter'),
            'quencher dye setting': dye('Quencher'),
            'passive reference dye setting': settings.passiveReference,
          }),
        ],
      },
      'processed data aggregate document':
        read || ampCube
          ? {'processed data document': [{...read?.processed, ...(ampCube ? {'amplification data cube': ampCube} : {})}]}
          : undefined,
      ...cubes,
      'error aggregate document': read?.errors.length ? {'error document': read.errors} : undefined,
    })
  }

  const wells = [...registry.wells.values()].filter((w) => w.targets.size > 0).sort((a, b) => a.id - b.id)
  const qpcrDocuments = wells.map((well) => ({
    'measurement aggregate document': compact({
      analyst: meta('Experiment User Name', 'User Name'),
      'experimental data identifier': meta('Experiment Name'),
      'experiment type': meta('Experiment Type'),
      'container type': 'qPCR reaction block',
      'plate well count': plateWellCount === undefined ? undefined : quantity(plateWellCount, '#'),
      'well volume': blockWellVolume(blockType, plateWellCount),
      'measurement document': [...well.targets.values()].map((entry) => measurement(well, entry)),
    }),
  }))

  const software = [...header.entries()].find(([key]) => /software/i.test(key))?.[1]
  return {
    '$asm.manifest': MANIFEST,
    'qPCR aggregate document': compact({
      'device system document': compact({
        'device identifier': meta('Instrument Name'),
        'model number': meta('Instrument Type'),
        'device serial number': meta('Instrument Serial Number'),
        'product manufacturer': 'Applied Biosystems',
      }),
      'data system document': dataSystemDocument(input, converter, {name: software}),
      'experiment header': Object.fromEntries(header),
      'qPCR document': qpcrDocuments,
      'calculated data aggregate document': calculatedAggregate(input.name, calculated, results),
      'additional tables': additionalTables(tables),
    }),
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

function sampleDocument(entry: TargetEntry, location: string | undefined, barcode: string | undefined): Record<string, unknown> {
  const sample: Record<string, unknown> = compact({
    'sample identifier': sourceText(entry, 'Sample Name'),
    'location identifier': location,
    'well plate identifier': barcode,
    'sample role type': sourceText(entry, 'Task'),
    'group identifier': sourceText(entry, 'Biogroup Name'),
    comments: sourceText(entry, 'Comments'),
  })
  // Everything else the setup row says about the sample (colors, the standard's quantity, ...).
  const setup = entry.setup
  setup?.columns.names.forEach((name, i) => {
    const key = name.toLowerCase()
    if (IDENTITY_COLUMNS.has(key) && !/color$/.test(key)) return
    if (/^allele[12]/.test(key)) return
    const cell = setup.row[i]
    const value = cellNumber(cell)
    if (value !== undefined) sample[`${key} setting`] = quantity(value, '(unitless)')
    else if (cell !== undefined) sample[key] = cellText(cell)
  })
  return sample
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

function addCalculated(
  groups: Map<string, CalculatedGroup>,
  value: CalculatedValue,
  target: string | undefined,
  source: string,
  location?: string,
): void {
  const key = `${value.name}\u0000${target ?? ''}\u0000${value.value}`
  let group = groups.get(key)
  if (!group) groups.set(key, (group = {name: value.name, value: value.value, target, sources: []}))
  group.sources.push(compact({'data source identifier': source, 'location identifier': location}) as CalculatedGroup['sources'][number])
}

function calculatedAggregate(
  file: string,
  groups: Map<string, CalculatedGroup>,
  results: Table | undefined,
): Record<string, unknown> | undefined {
  const notes = results?.notes ?? new Map<string, string>()
  if (groups.size === 0 && notes.size === 0) return undefined
  const analysis: Record<string, unknown> = {}
  for (const [key, text] of notes) {
    const value = cellNumber(text)
    analysis[key] = value === undefined ? text : quantity(value, /confidence/i.test(key) ? '%' : '(unitless)')
  }
  let n = 0
  return compact({
    'reference DNA description': notes.get('Endogenous Control'),
    'reference sample description': notes.get('Reference Sample'),
    'analysis settings': notes.size > 0 ? analysis : undefined,
    'calculated data document': [...groups.values()].map((g) =>
      compact({
        'calculated data identifier': `${file}_calculated_${++n}`,
        'calculated data name': g.name,
        'target DNA description': g.target,
        'calculated result': quantity(g.value, '(unitless)'),
        'data source aggregate document': {'data source document': g.sources},
      }),
    ),
  })
}

function additionalRow(columns: string[], row: Cell[]): Record<string, unknown> {
  const record: Record<string, unknown> = {}
  columns.forEach((column, i) => {
    const cell = row[i]
    if (cell === undefined) return
    const value = cellNumber(cell)
    record[column || `column ${i + 1}`] = value === undefined ? cellText(cell) : quantity(value, unitOf(column))
  })
  return record
}

/** Sections this converter has no model for, and stray lines, kept as they were read. */
function additionalTables(tables: Map<string, Table>): Record<string, unknown> | undefined {
  const extra: Record<string, unknown> = {}
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
