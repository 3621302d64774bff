import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {quantity} from './asm.js'
import {IdentifierSequence} from './models/common.js'
import {groupByWell, type PlateReaderMeasurement, plateReaderDocument} from './models/plate-reader.js'
import {parseNumber} from './numbers.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput} from './types.js'
import {rowIndex, rowName} from './wells.js'

/**
 * MSD (Meso Scale Discovery) Methodical Mind electrochemiluminescence plate exports: per plate
 * (or per spot table) a "Key : value" header, then "=====Data=====" and a grid of counts with
 * one line per plate row, or one line per spot when wells hold several spots.
 */
const DATA_LINE = /^=+Data=+\s*$/
const HEADER_KEYS = [/^FileName\s*:/m, /^Barcode1\s*:/m, /^Wells Per Row\s*:/m, /^Spots Per Well\s*:/m, /^Read Time\s*:/m]

interface Block {
  header: Map<string, string>
  grid: string[][]
  headerLine: number
}

export const methodicalMind: Converter<BuiltinDocument> = {
  name: 'methodical-mind',
  version: '1.0.0',
  technique: 'plate reader',
  description: 'MSD Methodical Mind electrochemiluminescence plate results (tab-separated text)',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0 || looksBinary(head)) return 0
    const text = decodeText(head.subarray(0, 16 * 1024))
    const keys = HEADER_KEYS.filter((re) => re.test(text)).length
    const data = /^=+Data=+\s*$/m.test(text)
    return keys >= 3 && data ? 0.95 : keys >= 4 ? 0.6 : 0
  },

  convert(input: ConverterInput) {
    function invalid(what: string): never {
      throw new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
    }
    if (input.bytes.length === 0 || looksBinary(input.bytes))
      invalid('expected a Methodical Mind text export, found empty or binary content')
    const blocks = readBlocks(decodeText(input.bytes))
    if (blocks.length === 0) invalid('expected a "==========Data==========" section with a plate grid, found none')
    const ids = new IdentifierSequence(input.name)
    const plateNumbers = new Set(blocks.map((b) => b.header.get('Plate #')))
    const measurements: PlateReaderMeasurement[] = []
    let first: Block | undefined
    for (const block of blocks) {
      first ??= block
      const h = block.header
      const barcode = /<\*?([^*>]*)\*?>/.exec(h.get('Barcode1') ?? '')?.[1] || undefined
      const plate = plateNumbers.size > 1 ? `${barcode ?? 'plate'} (plate ${h.get('Plate #')})` : barcode
      const spots = Number(h.get('Spots Per Well')) || 1
      const spotId = h.get('SpotID')
      const wellsPerRow = Number(h.get('Wells Per Row')) || undefined
      const wellsPerColumn = Number(h.get('Wells Per Col')) || undefined
      const grid = block.grid
      const columns = grid[0]
        .slice(1)
        .filter((c) => c.trim() !== '')
        .map((c) => Number(c.trim()))
      if (columns.length === 0 || columns.some((c) => !Number.isInteger(c) || c < 1)) {
        invalid(`the grid on line ${block.headerLine + 1} has no column numbers`)
      }
      const lines = grid.slice(1)
      // Rows may be trimmed away, but every row holds one line per spot and every line a value per well.
      const linesPerRow = spotId === undefined ? spots : 1
      if (wellsPerColumn !== undefined && lines.length > wellsPerColumn * linesPerRow) {
        invalid(`the grid on line ${block.headerLine + 1} has more lines than its ${wellsPerColumn} rows of ${linesPerRow} spots`)
      }
      if (lines.length % linesPerRow !== 0) {
        invalid(`the grid on line ${block.headerLine + 1} ends inside a row of ${linesPerRow} spot lines: the file looks truncated`)
      }
      let row = -1
      let spot = 0
      for (const [k, cells] of lines.entries()) {
        const label = cells[0].trim()
        if (label !== '') {
          const index = rowIndex(label)
          if (index === undefined) invalid(`line ${block.headerLine + k + 2} starts with "${label}", not a plate row`)
          row = index
          spot = 0
        } else spot++
        if (row < 0) invalid(`the grid on line ${block.headerLine + 1} starts without a row letter`)
        const values = cells.slice(1)
        const width = wellsPerRow ?? columns.length
        if (values.filter((c) => c.trim() !== '').length < width) {
          invalid(`line ${block.headerLine + k + 2} has fewer than its ${width} wells: the file looks truncated`)
        }
        columns.forEach((column, c) => {
          const raw = (values[c] ?? '').trim()
          if (raw === '') return
          const value = parseNumber(raw)
          const well = `${rowName(row)}${column}`
          const spotName = spotId ?? (spots > 1 ? String(spot + 1) : undefined)
          measurements.push({
            identifier: ids.next(),
            sample: {location: well, plate, identifier: plate ? `${plate} ${well}` : well},
            label: spotName === undefined ? undefined : `spot ${spotName}`,
            readings: value === undefined ? {} : {luminescence: quantity(value, 'RLU')},
            settings: compactSettings(h),
            errors: value === undefined ? [{error: raw, feature: 'luminescence'}] : undefined,
          })
        })
      }
    }
    const h = first!.header
    const wellCount = Number(/^\d+/.exec(h.get('Type') ?? '')?.[0]) || undefined
    return plateReaderDocument(input, methodicalMind, {
      device: {manufacturer: 'Meso Scale Discovery', model: h.get('Model'), serialNumber: h.get('Serial #'), deviceType: 'imager'},
      software: {name: 'Methodical Mind', version: h.get('Version')},
      groups: groupByWell(measurements, {
        time: h.get('Read Time')?.replace(/\t/g, ' '),
        analyst: h.get('User') || undefined,
        wellCount,
      }),
      custom: Object.fromEntries([...h].filter(([key]) => !KNOWN.has(key))),
    })
  },
}

const KNOWN = new Set(['Model', 'Serial #', 'Version', 'Read Time', 'User', 'Type'])

/** One settings object per block, shared by its wells. */
const settingsCache = new WeakMap<Map<string, string>, Record<string, string>>()
function compactSettings(header: Map<string, string>): Record<string, string> {
  let settings = settingsCache.get(header)
  if (!settings) {
    settings = {'detection type': 'electrochemiluminescence'}
    const parameter = header.get('Det Param')
    if (parameter) settings['detector parameter'] = parameter
    settingsCache.set(header, settings)
  }
  return settings
}

/** The header lines and grid of each "Data" section. Some exports write the tab after a key as the two characters "\t". */
function readBlocks(text: string): Block[] {
  const lines = text.split('\n')
  const blocks: Block[] = []
  let header = new Map<string, string>()
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '')
    if (DATA_LINE.test(line)) {
      const grid: string[][] = []
      let j = i + 1
      // Multi-spot grids put a blank line between plate rows; the grid ends at the next section or header.
      for (; j < lines.length && !/^=|^[^\t]*\S\s*:/.test(lines[j]); j++) {
        if (lines[j].trim() !== '') grid.push(lines[j].replace(/\r$/, '').split('\t'))
      }
      if (grid.length === 0) throw new Error(`the Data section on line ${i + 1} has no grid`)
      blocks.push({header, grid, headerLine: i + 1})
      header = new Map()
      i = j - 1
      continue
    }
    const m = /^([^:\t]+?)\s*:\s*(?:\\t|\t)?(.*)$/.exec(line)
    if (m && !header.has(m[1].trim())) header.set(m[1].trim(), m[2].replace(/^\\t/, '').trim())
  }
  return blocks
}
