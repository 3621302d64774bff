import Table from 'cli-table3'

/** Colours only for a terminal: piped tables stay plain text. */
const colour = (codes: string[]): string[] => (process.stdout.isTTY ? codes : [])

/** Renders rows as a terminal table; cells are stringified, nulls shown empty. */
export function renderTable(head: string[], rows: unknown[][]): string {
  const table = new Table({head, style: {head: colour(['cyan']), border: colour(['grey'])}, wordWrap: true})
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))))
  return table.toString()
}

/** Key/value pairs as a two-column table. */
export function renderRecord(pairs: [string, unknown][]): string {
  const table = new Table({style: {head: [], border: colour(['grey'])}, wordWrap: true})
  for (const [key, value] of pairs) table.push({[key]: value === null || value === undefined ? '' : String(value)})
  return table.toString()
}
