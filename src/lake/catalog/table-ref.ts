import type {CatalogEntry, Lake, TableRef} from '../../backends/types.js'
import {LabmeshError} from '../../errors.js'
import {DeltaTable} from '../delta/table.js'
import {LAB_DATABASE} from '../tables/write-batch.js'

const PART = /^[A-Za-z_][\w-]*$/

/** "lab.plate_reader" -> {database: lab, table: plate_reader}; a bare name is in `lab`. */
export function parseTableRef(text: string): TableRef {
  const parts = text.split('.')
  const [database, table] = parts.length === 1 ? [LAB_DATABASE, parts[0]] : parts
  if (parts.length > 2 || !PART.test(database) || !PART.test(table)) {
    throw new LabmeshError('USAGE', `"${text}" is not a table name: write database.table (letters, digits, _ and -)`, {
      suggestions: ['example: lab.plate_reader'],
    })
  }
  return {database, table}
}

/** The catalog entry of a table, or NOT_FOUND suggesting the closest names. */
export async function findTable(lake: Lake, ref: TableRef): Promise<{entry: CatalogEntry; table: DeltaTable}> {
  const entry = await lake.catalog.get(ref)
  if (entry) return {entry, table: new DeltaTable(lake.lakeStorage(entry.location))}
  const wanted = `${ref.database}.${ref.table}`
  throw new LabmeshError('NOT_FOUND', `no table ${wanted} in the catalog`, {
    subject: wanted,
    suggestions: tableSuggestions(
      (await lake.catalog.list()).map((e) => `${e.database}.${e.table}`),
      wanted,
    ),
  })
}

/** "did you mean" the closest of `names` (`database.table`) to `wanted`, which may be a bare table name. */
export function tableSuggestions(names: string[], wanted: string): string[] {
  const distance = (name: string): number =>
    wanted.includes('.') ? editDistance(name, wanted) : editDistance(name.slice(name.indexOf('.') + 1), wanted)
  const closest = names
    .map((name) => ({name, distance: distance(name)}))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 3)
    .filter((c) => c.distance <= Math.max(3, wanted.length / 3))
  return closest.length > 0 ? [`did you mean ${closest.map((c) => c.name).join(', ')}?`] : ['see `labmesh catalog list`']
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}
