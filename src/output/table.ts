import Table from 'cli-table3'
import stringWidth from 'string-width'

import {type TableLayout, tableLayout} from './layout.js'

/** The narrowest a column is squeezed to before columns are left out instead. */
const MIN_COLUMN = 6
/** A box table's border and padding: "│ a │ b │" is 1 + 3 per column. */
const overhead = (columns: number): number => 1 + 3 * columns

const text = (cell: unknown): string => (cell === null || cell === undefined ? '' : String(cell))

/** The widest line of a cell, in terminal columns (colour codes take none). */
const cellWidth = (cell: string): number => Math.max(0, ...cell.split('\n').map((line) => stringWidth(line)))

/** Rows as a table: nulls shown empty; a box table cuts cells to fit, TSV keeps them whole. */
export function renderTable(head: string[], rows: unknown[][], layout: TableLayout = tableLayout()): string {
  const cells = rows.map((row) => row.map(text))
  if (layout.kind === 'tsv') return [head, ...cells].map((row) => row.map(tsvField).join('\t')).join('\n')
  const natural = head.map((h, i) => Math.max(cellWidth(h), ...cells.map((row) => cellWidth(row[i] ?? ''))))
  const {widths, shown} = fitColumns(natural, layout.width)
  const table = new Table({
    head: head.slice(0, shown),
    style: {head: layout.colour ? ['cyan'] : [], border: layout.colour ? ['grey'] : []},
    ...(layout.width === undefined ? {} : {colWidths: widths.map((w) => w + 2), wordWrap: false, truncate: '…'}),
  })
  for (const row of cells) table.push(row.slice(0, shown))
  const hidden = head.length - shown
  const note = hidden > 0 ? `\n(${hidden} more column${hidden === 1 ? '' : 's'}: --wide)` : ''
  return table.toString() + note
}

/** Key/value pairs as a two-column table; on a terminal, long values wrap (nothing of a record is cut). */
export function renderRecord(pairs: [string, unknown][], layout: TableLayout = tableLayout()): string {
  if (layout.kind === 'tsv') return renderTable(['field', 'value'], pairs, layout)
  const keyWidth = Math.max(...pairs.map(([key]) => cellWidth(key)))
  const valueWidth = layout.width === undefined ? undefined : Math.max(MIN_COLUMN, layout.width - overhead(2) - keyWidth)
  const table = new Table({style: {head: [], border: layout.colour ? ['grey'] : []}})
  for (const [key, value] of pairs) table.push({[key]: valueWidth === undefined ? text(value) : wrap(text(value), valueWidth)})
  return table.toString()
}

/**
 * Column widths that fit `width`: the widest columns are narrowed first, down to MIN_COLUMN;
 * when even that is too wide, the last columns are left out (`shown` says how many remain).
 */
export function fitColumns(natural: number[], width: number | undefined): {widths: number[]; shown: number} {
  if (width === undefined) return {widths: natural, shown: natural.length}
  let shown = natural.length
  const floor = (w: number): number => Math.min(w, MIN_COLUMN)
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)
  while (shown > 1 && sum(natural.slice(0, shown).map(floor)) > width - overhead(shown)) shown--
  const kept = natural.slice(0, shown)
  const room = Math.max(width - overhead(shown), sum(kept.map(floor)))
  if (sum(kept) <= room) return {widths: kept, shown}
  // The largest cap under which every column fits, then the columns at the cap share what is left.
  let low = MIN_COLUMN
  let high = Math.max(...kept)
  while (low < high) {
    const cap = Math.ceil((low + high) / 2)
    if (sum(kept.map((w) => Math.min(w, Math.max(cap, floor(w))))) <= room) low = cap
    else high = cap - 1
  }
  const widths = kept.map((w) => Math.min(w, Math.max(low, floor(w))))
  let spare = room - sum(widths)
  for (let i = 0; i < widths.length && spare > 0; i++) {
    if (widths[i] < kept[i]) {
      widths[i]++
      spare--
    }
  }
  return {widths, shown}
}

/** A TSV field: tabs, line breaks and backslashes escaped as in PostgreSQL's text format, so one row stays one line. */
export function tsvField(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => ({'\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r'})[c]!)
}

/** Text wrapped at spaces to `width` columns; a word longer than a line is split. */
function wrap(value: string, width: number): string {
  const lines: string[] = []
  for (const paragraph of value.split('\n')) {
    let line = ''
    for (const word of paragraph.split(' ')) {
      const candidate = line === '' ? word : `${line} ${word}`
      if (stringWidth(candidate) <= width) {
        line = candidate
        continue
      }
      if (line !== '') lines.push(line)
      line = word
      while (stringWidth(line) > width) {
        lines.push(line.slice(0, width))
        line = line.slice(width)
      }
    }
    lines.push(line)
  }
  return lines.join('\n')
}
