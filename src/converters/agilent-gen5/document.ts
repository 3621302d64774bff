import {LabmeshError} from '../../errors.js'
import {type CalculatedValue, type CustomInformation, IdentifierSequence} from '../models/common.js'
import {type PlateReaderGroup, plateReaderDocument} from '../models/plate-reader.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import {plateWellCount as standardPlateWellCount} from '../wells.js'
import {appendAll} from '../arrays.js'
import {type Identifiers, PlateBuilder, wellColumnOf} from './plate.js'
import {parseProcedure, type Procedure} from './procedure.js'
import type {KeyedTable, PlateSection} from './sections.js'
import {type Cell, isoDateTime, readCell, UNITLESS} from './values.js'

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

export function buildDocument(input: ConverterInput, converter: Pick<Converter, 'name' | 'version'>, sections: PlateSection[]) {
  const ids: Identifiers = {
    measurement: new IdentifierSequence(input.name),
    calculation: new IdentifierSequence(`${input.name}_calculated`),
  }
  const calculated: CalculatedValue[] = []
  const groups = sections.map((section, index) => {
    const plate = plateGroup(ids, section, index)
    appendAll(calculated, plate.calculated)
    return plate.group
  })
  if (groups.every((g) => g.measurements.length === 0) && calculated.length === 0) {
    throw new LabmeshError(
      'INVALID_DATA',
      `${input.name}: no results found: expected a "Results" plate grid or a kinetic/spectrum table of well readings`,
      {
        subject: input.name,
      },
    )
  }
  const first = sections[0].meta
  return plateReaderDocument(input, converter, {
    device: {manufacturer: 'Agilent BioTek', model: first.get('Reader Type'), serialNumber: first.get('Reader Serial Number')},
    software: {name: 'Gen5', version: first.get('Software Version')},
    groups,
    calculated,
  })
}

function plateGroup(ids: Identifiers, section: PlateSection, index: number): {group: PlateReaderGroup; calculated: CalculatedValue[]} {
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
  for (const table of keyedTables) appendAll(calculated, keyedTableValues(ids, table, plateId))

  const extent = plate.extent()
  const custom = [...meta].filter(([k]) => !KNOWN_META.has(k))
  const group: PlateReaderGroup = {
    analyticalMethod: meta.get('Protocol File Path'),
    experimentalDataIdentifier: meta.get('Experiment File Path'),
    time: isoDateTime(meta.get('Date'), meta.get('Time')),
    plate: plateId,
    containerType: 'well plate',
    plateType: procedure.plateType,
    wellCount: plateWellCount(procedure, extent.rows, extent.columns),
    readingType: meta.get('Reading Type'),
    compartmentTemperature: temperatureOf(section.temperatures),
    procedureSteps: procedure.steps.length > 0 ? procedure.steps : undefined,
    custom: custom.length > 0 ? Object.fromEntries(custom) : undefined,
    unparsedLines: section.notes.length > 0 ? section.notes : undefined,
    measurements: plate.measurements,
  }
  return {group, calculated}
}

function isLayout(title: string | undefined): boolean {
  return title !== undefined && /^layout$/i.test(title)
}

/** Keyed tables (curve fits, interpolations): one calculated value per numeric cell, named by its row and column; text cells describe it. */
function keyedTableValues(ids: Identifiers, table: KeyedTable, plateId: string): CalculatedValue[] {
  const values: CalculatedValue[] = []
  for (const cells of table.rows) {
    const rowName = cells[0]?.trim() ?? ''
    const description: CustomInformation = {}
    const numbers: Array<[string, Extract<Cell, {value: number}>]> = []
    cells.forEach((raw, c) => {
      const cell = readCell(raw)
      if (c === 0 || !cell) return
      const column = table.header[c] || `column ${c + 1}`
      if ('value' in cell) numbers.push([column, cell])
      else description[column.toLowerCase()] = cell.error
    })
    for (const [column, cell] of numbers) {
      values.push({
        identifier: ids.calculation.next(),
        name: `${rowName} ${column}`.trim(),
        value: {value: cell.value, unit: cell.unit ?? UNITLESS},
        description: table.title,
        sample: {plate: plateId},
        custom: description,
      })
    }
  }
  return values
}

function temperatureOf(values: number[]): Quantity | Quantity[] | undefined {
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
