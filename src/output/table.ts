import Table from 'cli-table3'

/** Renders rows as a terminal table; cells are stringified, nulls shown empty. */
export function renderTable(head: string[], rows: unknown[][]): string {
  const table = new Table({head, style: {head: ['cyan'], border: ['grey']}, wordWrap: true})
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))))
  return table.toString()
}

/** Key/value pairs as a two-column table. */
export function renderRecord(pairs: [string, unknown][]): string {
  const table = new Table({style: {head: [], border: ['grey']}, wordWrap: true})
  for (const [key, value] of pairs) table.push({[key]: value === null || value === undefined ? '' : String(value)})
  return table.toString()
}
