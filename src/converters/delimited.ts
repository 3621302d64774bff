/**
 * Splits one line of a delimited export (CSV, TSV, semicolons) into raw cells. A quote opens a
 * quoted cell only at the start of a cell (after any spaces): EnVision writes bare `=""` inside
 * cells, MARS and Vi-CELL quote cells that hold commas; `""` inside quotes is one quote.
 */
export function splitDelimited(line: string, delimiter = ','): string[] {
  if (!line.includes('"')) return line.split(delimiter)
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true
      cell = ''
    } else if (ch === delimiter) {
      cells.push(cell)
      cell = ''
    } else cell += ch
  }
  cells.push(cell)
  return cells
}
