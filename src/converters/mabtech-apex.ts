import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {quantity} from './asm.js'
import {zipHeadEntries} from './appbio-quantstudio/zip-head.js'
import {IdentifierSequence} from './models/common.js'
import {groupByWell, type PlateReaderMeasurement, plateReaderDocument} from './models/plate-reader.js'
import {parseNumber} from './numbers.js'
import {type Cell, isXlsx, readSheets} from './spreadsheet/index.js'
import type {Converter, ConverterInput, Quantity} from './types.js'
import {normaliseWell, wellPosition} from './wells.js'

/**
 * Mabtech IRIS / APEX ELISpot and FluoroSpot reader workbooks: the "Plate Database" sheet holds
 * one row per well (spot forming units, relative spot volumes, sensor values, and the preset and
 * exposure of each LED); "Plate Information" names the plate, software and reader.
 */
const DATABASE = 'Plate Database'
const INFORMATION = 'Plate Information'
const SETTING = /preset|exposure|threshold/i
const DESCRIPTIVE = new Set(['Plate', 'Well', 'Read Date', 'Saved Date', 'Machine ID', 'Masked'])

function text(cell: Cell): string {
  return cell === undefined ? '' : String(cell).trim()
}

export const mabtechApex: Converter<BuiltinDocument> = {
  name: 'mabtech-apex',
  version: '1.0.0',
  technique: 'plate reader',
  description: 'Mabtech APEX / IRIS ELISpot and FluoroSpot workbooks (spot forming units per well)',

  detect(_name: string, head: Buffer): number {
    if (!isXlsx(head)) return 0
    const workbook = zipHeadEntries(head, (name) => name === 'xl/workbook.xml').get('xl/workbook.xml') ?? ''
    return workbook.includes(`name="${DATABASE}"`) && workbook.includes(`name="${INFORMATION}"`) ? 0.95 : 0
  },

  async convert(input: ConverterInput) {
    function invalid(what: string): never {
      throw new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
    }
    const sheets = await readSheets(input, (name) => name === DATABASE || name === INFORMATION)
    const database = sheets.find((s) => s.name === DATABASE)?.rows
    if (!database || database.length < 2) invalid(`expected a "${DATABASE}" sheet with a row per well, found none`)
    const header = Array.from(database[0], text)
    const wellColumn = header.indexOf('Well')
    const sfu = header.findIndex((h) => /^Spot Forming Units/i.test(h))
    if (wellColumn < 0 || sfu < 0) invalid(`expected "Well" and "Spot Forming Units (SFU)" columns in "${DATABASE}"`)
    const info = new Map(
      (sheets.find((s) => s.name === INFORMATION)?.rows ?? []).map((row) => [text(row[0]).replace(/:$/, ''), text(row[1])] as const),
    )
    const ids = new IdentifierSequence(input.name)
    const measurements: PlateReaderMeasurement[] = []
    let maxRow = 0
    let maxColumn = 0
    for (const row of database.slice(1)) {
      const well = normaliseWell(text(row[wellColumn]))
      if (!well) continue
      const position = wellPosition(well)
      if (position) {
        maxRow = Math.max(maxRow, position.row + 1)
        maxColumn = Math.max(maxColumn, position.column)
      }
      // Wells the reader did not read keep their presets but no spot count.
      if (text(row[sfu]) === '') continue
      const readings: Record<string, Quantity> = {}
      const settings: Record<string, Quantity | string> = {}
      header.forEach((name, c) => {
        const raw = text(row[c])
        if (name === '' || raw === '' || DESCRIPTIVE.has(name)) return
        const value = parseNumber(raw)
        if (SETTING.test(name)) settings[name] = value === undefined ? raw : quantity(value, /exposure/i.test(name) ? 'ms' : '(unitless)')
        else if (value !== undefined) readings[c === sfu ? 'spot count' : name] = quantity(value, '(unitless)')
        else settings[name] = raw
      })
      const plate = text(row[header.indexOf('Plate')]) || info.get('Plate Name')
      measurements.push({
        identifier: ids.next(),
        time: text(row[header.indexOf('Read Date')]) || undefined,
        sample: {location: well, plate, identifier: plate ? `${plate} ${well}` : well},
        readings,
        settings,
        custom: {masked: text(row[header.indexOf('Masked')]) || null},
      })
    }
    if (measurements.length === 0) invalid(`expected read wells (a spot forming unit count) in "${DATABASE}", found none`)
    // Every row of the plate is listed, read or not: the plate is the smallest standard one holding them.
    const wellCount = maxRow <= 8 && maxColumn <= 12 ? 96 : maxRow <= 16 && maxColumn <= 24 ? 384 : undefined
    return plateReaderDocument(input, mabtechApex, {
      device: {manufacturer: 'Mabtech', model: 'APEX', deviceIdentifier: info.get('Machine ID'), deviceType: 'imager'},
      software: {name: 'Mabtech Apex', version: info.get('Software Version')},
      groups: groupByWell(measurements, {analyst: info.get('Saved By'), wellCount}),
      custom: Object.fromEntries(info),
    })
  },
}
