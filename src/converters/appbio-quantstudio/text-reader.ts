import type {Cell, QuantStudioExport, Table} from './model.js'

/**
 * The tab-separated export: `* key = value` header lines, then `[Section]` lines each followed by
 * a column header and rows up to a blank line or the next section. Below a table, `key = value`
 * lines are the section's notes; other stray lines are kept as notes too, never dropped.
 */

const SECTION_LINE = /^\[(.+)\]\s*$/
const HEADER_LINE = /^\*\s*([^=]+?)\s*=\s?(.*)$/
const NOTE_LINE = /^([^=\t]+?)\s*=\s*(.*)$/

export function readTextExport(text: string): QuantStudioExport {
  const header = new Map<string, string>()
  const tables = new Map<string, Table>()
  const lines = text.split('\n')
  let i = 0

  for (; i < lines.length && !SECTION_LINE.test(lines[i]); i++) {
    const m = HEADER_LINE.exec(lines[i])
    if (m) header.set(m[1].trim(), m[2].trim())
  }

  while (i < lines.length) {
    const name = SECTION_LINE.exec(lines[i])![1].trim()
    i++
    while (i < lines.length && lines[i].trim() === '') i++
    const table: Table = {columns: [], rows: [], notes: new Map()}
    if (i < lines.length && !SECTION_LINE.test(lines[i])) {
      table.columns = lines[i].split('\t').map((c) => c.trim())
      i++
    }
    for (; i < lines.length && lines[i].trim() !== '' && !SECTION_LINE.test(lines[i]); i++) {
      table.rows.push(splitRow(lines[i]))
    }
    for (; i < lines.length && !SECTION_LINE.test(lines[i]); i++) {
      const line = lines[i].trim()
      if (line === '') continue
      const m = NOTE_LINE.exec(line)
      if (m) table.notes.set(m[1].trim(), m[2].trim())
      else table.notes.set(`line ${i + 1}`, line)
    }
    // A repeated section name (it does not happen in real exports) keeps both tables.
    tables.set(tables.has(name) ? `${name} (${tables.size + 1})` : name, table)
  }
  return {header, tables}
}

function splitRow(line: string): Cell[] {
  return line.split('\t').map((cell) => {
    // Quoted text such as "RGB(176,23,31)" loses its quotes.
    const trimmed = cell.trim()
    const text = trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed
    return text === '' ? undefined : text
  })
}
