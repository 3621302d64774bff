import type {AddAction} from './actions.js'

/** What a predicate requires of one column: one of these values (`column IN (...)`), as the rows of a file batch. */
export interface ColumnValues {
  column: string
  values: Array<string | number>
}

/**
 * Whether a data file may hold a row whose `column` is one of `values`, from the log alone: the
 * file's partition value, else its statistics (min/max, all-null). When the log cannot tell
 * (no statistics, bounds a string comparison would get wrong) the file stays a candidate.
 */
export function mayHoldAny(file: AddAction, hint: ColumnValues): boolean {
  if (hint.column in file.partitionValues) {
    const value = file.partitionValues[hint.column]
    return value === null || hint.values.some((v) => String(v) === value)
  }
  if (!file.stats) return true
  let stats: {
    numRecords?: number
    minValues?: Record<string, unknown>
    maxValues?: Record<string, unknown>
    nullCount?: Record<string, unknown>
  }
  try {
    stats = JSON.parse(file.stats) as typeof stats
  } catch {
    return true
  }
  if (stats.numRecords !== undefined && stats.nullCount?.[hint.column] === stats.numRecords) return false
  const min = stats.minValues?.[hint.column]
  const max = stats.maxValues?.[hint.column]
  return hint.values.some((value) => !below(value, min) && !below(max, value))
}

/** a < b for certain; false when unknown or not comparable as JavaScript compares them. */
function below(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Number.isSafeInteger(a) && Number.isSafeInteger(b) ? a < b : false
  // UTF-16 order equals the byte order Parquet statistics use only for ASCII text.
  if (typeof a === 'string' && typeof b === 'string' && /^[\x20-\x7e]*$/.test(a + b)) return a < b
  return false
}
