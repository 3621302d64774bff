import Table from 'cli-table3'

/** A results table without colour: cli-table3 colours its head and borders by default, even into a file or a pipe. */
export function benchTable(head: string[]): InstanceType<typeof Table> {
  return new Table({head, style: {head: [], border: []}})
}
