import {LabmeshError} from '../../errors.js'
import {compact, dataSystemDocument} from '../asm.js'
import type {Converter, ConverterInput, EngineeredDocument} from '../types.js'
import {plateWellCount as standardPlateWellCount} from '../wells.js'
import {appendAll} from '../arrays.js'
import {type Doc, Identifiers, PlateBuilder, wellColumnOf} from './plate.js'
import {parseProcedure, type Procedure} from './procedure.js'
import type {KeyedTable, PlateSection} from './sections.js'
import {type Cell, isoDateTime, readCell, UNITLESS} from './values.js'

const PLATE_READER_MANIFEST = 'http://purl.allotrope.org/manifests/plate-reader/REC/2024/06/plate-reader.manifest'

/** Header keys with a place of their own in the document; any other header line goes to custom information. */
const KNOWN_META = new Set([
  'Software Version',
  'Experiment File Path',
  'Protocol File Path',
  'Plate Number',
  'Date',
  'Time',
  'Reader Type',
  'Reader Serial Number',
  'Reading Type',
])

export function buildDocument(
  input: ConverterInput,
  converter: Pick<Converter, 'name' | 'version'>,
  sections: PlateSection[],
): EngineeredDocument {
  const ids = new Identifiers(input.name)
  const calculated: Doc[] = []
  let measured = 0
  const plateDocuments = sections.map((section, index) => {
    const plate = plateDocument(ids, section, index)
    measured += plate.measurements
    appendAll(calculated, plate.calculated)
    return plate.document
  })
  if (measured === 0 && calculated.length === 0) {
    throw new LabmeshError(
      'INVALID_DATA',
      `${input.name}: no results found: expected a "Results" plate grid or a kinetic/spectrum table of well readings`,
      {
        subject: input.name,
      },
    )
  }
  const first = sections[0].meta
  return {
    '$asm.manifest': PLATE_READER_MANIFEST,
    'plate reader aggregate document': compact({
      'device system document': compact({
        'model number': first.get('Reader Type'),
        'equipment serial number': first.get('Reader Serial Number'),
        'product manufacturer': 'Agilent BioTek',
      }),
      'data system document': dataSystemDocument(input, converter, {name: 'Gen5', version: first.get('Software Version')}),
      'plate reader document': plateDocuments,
      'calculated data aggregate document': calculated.length > 0 ? {'calculated data document': calculated} : undefined,
    }),
  }
}

function plateDocument(ids: Identifiers, section: PlateSection, index: number): {document: Doc; measurements: number; calculated: Doc[]} {
  const {meta} = section
  const plateId = meta.get('Plate Number') || `Plate ${index + 1}`
  const procedure = parseProcedure(section.procedure)
  const plate = new PlateBuilder(ids, procedure, plateId)
  const layouts = section.grids.filter((g) => isLayout(g.title))
  const wellRowTables: Array<[KeyedTable, number]> = []
  const keyedTables: KeyedTable[] = []
  for (const table of section.tables) {
    const wellColumn = wellColumnOf(table)
    if (wellColumn >= 0) wellRowTables.push([table, wellColumn])
    else keyedTables.push(table)
  }

  // Sample descriptions first: every reading's sample document is complete when it is built.
  for (const grid of layouts) plate.addLayout(grid)
  for (const [table, wellColumn] of wellRowTables) plate.describeWellRows(table, wellColumn)
  for (const table of section.wellTables) plate.addWellTable(table)
  for (const grid of section.grids) if (!layouts.includes(grid)) plate.addGrid(grid)
  for (const [table, wellColumn] of wellRowTables) plate.addWellRows(table, wellColumn)
  plate.finish()
  const calculated = [...plate.calculated]
  for (const table of keyedTables) appendAll(calculated, keyedTableDocuments(ids, table, plateId))

  const extent = plate.extent()
  const wellCount = plateWellCount(procedure, extent.rows, extent.columns)
  const custom = [...meta].filter(([k]) => !KNOWN_META.has(k))
  const document = {
    'measurement aggregate document': compact({
      'analytical method identifier': meta.get('Protocol File Path'),
      'experimental data identifier': meta.get('Experiment File Path'),
      'measurement time': isoDateTime(meta.get('Date'), meta.get('Time')),
      'well plate identifier': plateId,
      'container type': 'well plate',
      'plate type': procedure.plateType,
      'plate well count': wellCount === undefined ? undefined : {value: wellCount, unit: '#'},
      'reading type': meta.get('Reading Type'),
      'compartment temperature': temperatureOf(section.temperatures),
      'procedure step document': procedure.steps.length > 0 ? procedure.steps : undefined,
      'custom information document': custom.length > 0 ? Object.fromEntries(custom) : undefined,
      'unparsed lines': section.notes.length > 0 ? section.notes : undefined,
      'measurement document': plate.measurements,
    }),
  }
  return {document, measurements: plate.measurements.length, calculated}
}

function isLayout(title: string | undefined): boolean {
  return title !== undefined && /^layout$/i.test(title)
}

/** Keyed tables (curve fits, interpolations): one calculated value per numeric cell, named by its row and column; text cells describe it. */
function keyedTableDocuments(ids: Identifiers, table: KeyedTable, plateId: string): Doc[] {
  const documents: Doc[] = []
  for (const cells of table.rows) {
    const rowName = cells[0]?.trim() ?? ''
    const description: Doc = {}
    const values: Array<[string, Extract<Cell, {value: number}>]> = []
    cells.forEach((raw, c) => {
      const cell = readCell(raw)
      if (c === 0 || !cell) return
      const column = table.header[c] || `column ${c + 1}`
      if ('value' in cell) values.push([column, cell])
      else description[column.toLowerCase()] = cell.error
    })
    for (const [column, cell] of values) {
      documents.push(
        compact({
          'calculated data identifier': ids.calculation(),
          'calculated data name': `${rowName} ${column}`.trim(),
          'calculated result': {value: cell.value, unit: cell.unit ?? UNITLESS},
          'calculated data description': table.title,
          'well plate identifier': plateId,
          ...description,
        }),
      )
    }
  }
  return documents
}

function temperatureOf(values: number[]) {
  if (values.length === 0) return undefined
  const distinct = [...new Set(values)]
  return distinct.length === 1 ? {value: distinct[0], unit: 'degC'} : values.map((value) => ({value, unit: 'degC'}))
}

/** From the plate type ("96 WELL PLATE", "Corning 384 well"), else the smallest standard plate holding every well seen. */
function plateWellCount(procedure: Procedure, rows: number, columns: number): number | undefined {
  const named = /(?<!\d)(6|12|24|48|96|384|1536)(?!\d)/.exec(procedure.plateType ?? '')
  if (named) return Number(named[1])
  return standardPlateWellCount(rows, columns)
}
