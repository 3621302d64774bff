import {LabmeshError} from '../errors.js'
import type {BuiltinDocument} from './models/documents.js'
import {quantity} from './asm.js'
import {scanQuantities} from './generic/header-block.js'
import {IdentifierSequence} from './models/common.js'
import {groupByWell, type PlateReaderMeasurement, plateReaderDocument} from './models/plate-reader.js'
import {parseNumber} from './numbers.js'
import {decodeText, looksBinary} from './text.js'
import type {Converter, ConverterInput, Quantity} from './types.js'
import {rowIndex, rowName} from './wells.js'
import {maxOf} from './arrays.js'

/**
 * CTL ImmunoSpot (ELISpot / FluoroSpot analyzer) plate reports: "Key: value" counting settings,
 * then titled plate grids (spot counts as "Unprocessed Data", mean spot sizes, covered areas,
 * intensities), each a column-number line and one space-aligned line per plate row.
 */
const MARKERS = [/^Software version: ImmunoSpot/im, /^Counted: /m, /ImmunoSpot\s+Plate Code/, /^Counting Mask Size/m]

/** Grid titles to reading names; the unit in a title's brackets applies to its cells. */
function readingOf(title: string): {name: string; unit: string} {
  if (/unprocessed data|spot counts?/i.test(title)) return {name: 'spot count', unit: '(unitless)'}
  const unit = /\(sq\.?\s*mm\)/i.test(title) ? 'mm^2' : '(unitless)'
  return {name: title.replace(/\s*\([^)]*\)\s*$/, '').toLowerCase(), unit}
}

export const ctlImmunospot: Converter<BuiltinDocument> = {
  name: 'ctl-immunospot',
  version: '1.0.0',
  technique: 'plate reader',
  description: 'CTL ImmunoSpot ELISpot/FluoroSpot plate reports (spot counts, sizes, areas, intensities)',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0 || looksBinary(head)) return 0
    const text = decodeText(head.subarray(0, 16 * 1024))
    const found = MARKERS.filter((re) => re.test(text)).length
    return found >= 2 ? 0.95 : 0
  },

  convert(input: ConverterInput) {
    function invalid(what: string): never {
      throw new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
    }
    if (input.bytes.length === 0 || looksBinary(input.bytes)) invalid('expected an ImmunoSpot text report, found empty or binary content')
    const lines = decodeText(input.bytes).split('\n')
    const settings: Record<string, Quantity | string> = {}
    const info: Record<string, string> = {}
    const ids = new IdentifierSequence(input.name)
    const measurements: PlateReaderMeasurement[] = []
    let title: string | undefined
    let plateRows: number | undefined
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/\r$/, '')
      const columns = line.trim().split(/\s+/)
      if (title !== undefined && columns[0] === '1' && columns.every((c, k) => Number(c) === k + 1)) {
        const reading = readingOf(title)
        let j = i + 1
        while (j < lines.length && lines[j].trim() === '') j++
        const firstRow = j
        for (; j < lines.length; j++) {
          const cells = lines[j].trim().split(/\s+/)
          const row = rowIndex(cells[0])
          if (row === undefined || cells[0].length > 2) break
          if (cells.length - 1 < columns.length)
            invalid(`line ${j + 1} has ${cells.length - 1} of its ${columns.length} wells: the file looks truncated`)
          cells.slice(1, columns.length + 1).forEach((raw, c) => {
            const well = `${rowName(row)}${c + 1}`
            const value = parseNumber(raw)
            measurements.push({
              identifier: ids.next(),
              sample: {location: well, identifier: well},
              label: title,
              readings: value === undefined ? {} : {[reading.name]: quantity(value, reading.unit)},
              settings,
              // "TNTC": too numerous to count.
              errors: value === undefined ? [{error: raw, feature: reading.name}] : undefined,
            })
          })
        }
        const rows = j - firstRow
        if (plateRows !== undefined && rows !== plateRows)
          invalid(`the grid "${title}" has ${rows} of ${plateRows} rows: the file looks truncated`)
        plateRows ??= rows
        title = undefined
        i = j - 1
        continue
      }
      const trimmed = line.trim()
      if (trimmed === '') continue
      if (/^\t+\S/.test(line) && !/:/.test(trimmed)) {
        title = trimmed
        continue
      }
      const pair = /^([^:]{1,60}):\s*(.*)$/.exec(trimmed)
      if (pair && title === undefined) {
        for (const part of trimmed.split(/;\s*/)) {
          const kv = /^([^:]{1,60}):\s*(.*)$/.exec(part)
          if (!kv) continue
          const [, key, value] = kv
          const found = scanQuantities(value.replace(/\s*sq\.?\s*mm\b/i, ' mm2'), key, false)
          const squareMillimetres = /sq\.?\s*mm/i.test(value)
          if (found.length === 1 && /^[-+.\d]/.test(value)) settings[key] = squareMillimetres ? quantity(found[0].value, 'mm^2') : found[0]
          else info[key] = value
        }
      } else if (/ImmunoSpot\s+Plate Code/.test(trimmed)) title ??= 'Unprocessed Data'
    }
    if (measurements.length === 0) invalid('expected plate grids ("Unprocessed Data" and others), found none')
    const wells =
      plateRows === undefined ? undefined : plateRows * maxOf(measurements.map((m) => Number(/\d+$/.exec(m.sample.location!)![0])))
    return plateReaderDocument(input, ctlImmunospot, {
      device: {
        manufacturer: 'Cellular Technology Limited',
        model: 'ImmunoSpot',
        serialNumber: /^([^;]+)/.exec(info['Analyzer Serial number'] ?? '')?.[1],
      },
      software: {name: 'ImmunoSpot', version: /ImmunoSpot\s+(\S+)/.exec(info['Software version'] ?? '')?.[1]},
      groups: groupByWell(measurements, {time: /^([^;]+)/.exec(info['Counted'] ?? '')?.[1], wellCount: wells}),
      custom: info,
    })
  },
}
