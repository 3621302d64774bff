import {maxOf} from '../arrays.js'
import {classifyRead, type ReadContext} from './reads.js'
import {cellNumber} from './rows.js'
import {coverWell, emptyResult, isBlank, isValue, seriesColumn, type TableResult, wellName, wellSeries} from './wells.js'
import {namesDuration} from './units.js'

/**
 * Tables with wells down: each line starts with a well name followed by its values (Tecan's
 * kinetic sheets, plain "A1,0.52" lists), with optional lines like "Cycle Nr.", "Time [s]",
 * "Temp. [°C]" giving the axis. One value per well is a read; several are a series per well.
 */
const MAX_AXES = 4

export function parseWellRows(rows: string[][], at: number, ctx: ReadContext, decimalComma: boolean): TableResult | undefined {
  let end = at
  let wellLines = 0
  while (end < rows.length && !isBlank(rows[end])) {
    const row = rows[end]
    const first = row.findIndex((c) => c !== '')
    if (first < 0 || isValue(row[first], decimalComma)) break
    if (wellName(row[first])) {
      // A well's cells may all be reading errors ("Masked"); an axis line needs numbers.
      if (!row.some((c, k) => k > first && c !== '')) break
      wellLines++
    } else if (!row.some((c, k) => k > first && isValue(c, decimalComma))) break
    // More than four axis lines, or none of the first five naming a well: not this shape (and linear time).
    else if (end - at - wellLines >= MAX_AXES) return undefined
    end++
  }
  const lines = rows.slice(at, end)
  if (wellLines < 2) return undefined

  const labelled = lines.map((row) => {
    const first = row.findIndex((c) => c !== '')
    return {label: row[first], well: wellName(row[first]), cells: row.slice(first + 1)}
  })
  const width = maxOf(labelled.map((l) => l.cells.length))
  // A header line just above ("Wavelength;485;nm") is no axis: it has far fewer values than the wells.
  const values = (cells: string[]): number => cells.filter((c) => isValue(c, decimalComma)).length
  const widest = maxOf(labelled.filter((l) => l.well).map((l) => l.cells.filter((c) => c !== '').length))
  if (!labelled[0].well && values(labelled[0].cells) * 2 < widest) return undefined
  const pad = (cells: string[]): string[] => Array.from({length: width}, (_, k) => cells[k] ?? '')
  const wells = labelled.filter((l) => l.well !== undefined).map((l): [string, string[]] => [l.well!, pad(l.cells)])
  const axes = labelled.filter((l) => l.well === undefined)
  const result = emptyResult(end)
  for (const [well] of wells) coverWell(result, well)

  const valueColumns = Array.from({length: width}, (_, k) => k).filter((k) => wells.some(([, cells]) => cells[k] !== ''))
  if (valueColumns.length <= 1 || axes.length === 0) {
    // No axis: each value column is a read of its own.
    valueColumns.forEach((k, n) => {
      const read = classifyRead(ctx, valueColumns.length > 1 ? `#${n + 1}` : '')
      for (const [well, cells] of wells)
        if (cells[k] !== '') read.values.push({well, plate: ctx.plate, value: cellNumber(cells[k], decimalComma) ?? cells[k]})
      result.reads.push(read)
    })
    return result
  }
  const dimension = axes.find((a) => namesDuration(a.label)) ?? axes.find((a) => /wavelength/i.test(a.label)) ?? axes[0]
  const shared = axes.filter((a) => a !== dimension).map((a) => seriesColumn(a.label, pad(a.cells), decimalComma))
  result.series.push(wellSeries(ctx, '', seriesColumn(dimension.label, pad(dimension.cells), decimalComma), shared, wells, decimalComma))
  return result
}
