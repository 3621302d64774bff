import {maxOf} from '../arrays.js'
import type {PlateRead} from './model.js'
import {classifyRead, type ReadContext, settingFor} from './reads.js'
import {cellNumber} from './rows.js'
import {coverWell, emptyResult, isBlank, isValue, seriesColumn, type TableResult, wellName, wellSeries} from './wells.js'

/**
 * Tables with wells across: a header naming wells (Time | Temperature | A1 | A2 ...), one line
 * per time point or wavelength (SoftMax Pro's TimeFormat, Gen5's kinetic and spectrum tables).
 * Lines of one block are a series per well; blocks after blank lines, or single lines, are reads.
 */
export function parseWellColumns(rows: string[][], at: number, ctx: ReadContext, decimalComma: boolean): TableResult | undefined {
  const header = rows[at]
  const wellColumns: {index: number; well: string}[] = []
  let others = 0
  for (let k = 0; k < header.length; k++) {
    const cell = header[k]
    if (cell === '') continue
    const well = wellName(cell)
    if (well) wellColumns.push({index: k, well})
    else others++
  }
  if (wellColumns.length < 2 || others > 3) return undefined
  // Blank lines separate segments (SoftMax Pro writes one per wavelength); lines within one
  // segment are points of a series (kinetic cycles, spectrum wavelengths).
  const segments: string[][][] = []
  let segment: string[][] = []
  let i = at + 1
  for (; i < rows.length; i++) {
    const row = rows[i]
    if (isBlank(row)) {
      let next = i + 1
      while (next < rows.length && isBlank(rows[next])) next++
      const candidate = rows[next]
      if (
        segment.length === 0 ||
        !candidate ||
        !holdsWellValues(candidate, wellColumns, decimalComma) ||
        candidate.some((c) => wellName(c))
      )
        break
      segments.push(segment)
      segment = []
      i = next - 1
      continue
    }
    if (!wellColumns.some((w) => (row[w.index] ?? '') !== '')) break
    segment.push(row)
  }
  if (segment.length > 0) segments.push(segment)
  if (segments.length === 0) return undefined
  const data = segments.flat()
  const wellIndexes = new Set(wellColumns.map((w) => w.index))
  const width = maxOf(
    data.map((r) => r.length),
    header.length,
  )
  const otherColumns: number[] = []
  for (let k = 0; k < width; k++) if (!wellIndexes.has(k) && (header[k] || data.some((r) => (r[k] ?? '') !== ''))) otherColumns.push(k)

  const result = emptyResult(i)
  for (const w of wellColumns) coverWell(result, w.well)
  segments.forEach((lines, n) => {
    const label = segments.length > 1 ? `#${n + 1}` : ''
    const dimension = otherColumns.find((k) => lines.filter((r) => isValue(r[k] ?? '', decimalComma)).length * 2 >= lines.length)
    if (lines.length === 1 || dimension === undefined) {
      lines.forEach((row, m) =>
        result.reads.push(
          wellRead(ctx, lines.length > 1 ? `${label}#${m + 1}` : label, header, row, otherColumns, wellColumns, decimalComma),
        ),
      )
    } else {
      const column = (k: number) =>
        seriesColumn(
          header[k] || (k === dimension ? 'index' : `column ${k + 1}`),
          lines.map((r) => r[k] ?? ''),
          decimalComma,
        )
      const shared = otherColumns.filter((k) => k !== dimension && lines.some((r) => isValue(r[k] ?? '', decimalComma))).map(column)
      const wells = wellColumns.map((w): [string, string[]] => [w.well, lines.map((r) => r[w.index] ?? '')])
      result.series.push(wellSeries(ctx, label, column(dimension), shared, wells, decimalComma))
    }
  })
  return result
}

function holdsWellValues(row: string[], wellColumns: {index: number}[], decimalComma: boolean): boolean {
  return wellColumns.some((w) => cellNumber(row[w.index] ?? '', decimalComma) !== undefined)
}

/** One line of a wells-across table as one read; its other cells (temperature) are settings. */
function wellRead(
  ctx: ReadContext,
  label: string,
  header: string[],
  row: string[],
  otherColumns: number[],
  wellColumns: {index: number; well: string}[],
  decimalComma: boolean,
): PlateRead {
  const read = classifyRead(ctx, label)
  for (const k of otherColumns) {
    const setting = settingFor(header[k] ?? '', row[k] ?? '', decimalComma)
    if (setting) read.settings.push(setting)
  }
  for (const w of wellColumns) {
    const cell = row[w.index] ?? ''
    if (cell !== '') read.values.push({well: w.well, plate: ctx.plate, value: cellNumber(cell, decimalComma) ?? cell})
  }
  return read
}
