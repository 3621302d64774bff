/**
 * Well positions on standard plates (6 to 1536 wells): rows A-Z then AA-AF, columns from 1.
 * The one place converters turn row labels into indexes and back.
 */

/** The standard plate formats as [rows, columns, wells], smallest first. */
export const STANDARD_PLATES: ReadonlyArray<readonly [rows: number, columns: number, wells: number]> = [
  [2, 3, 6],
  [3, 4, 12],
  [4, 6, 24],
  [6, 8, 48],
  [8, 12, 96],
  [16, 24, 384],
  [32, 48, 1536],
]

/** Most rows of any standard plate (1536 wells: A..Z, AA..AF). */
const MAX_ROWS = 32

/**
 * The 0-based row a label stands for: A..Z are 0..25 and AA..AF 26..31. Lower-case letters are
 * the same rows as upper-case ones, unless `lowerFollowsZ`: BMG MARS writes the rows after Z of
 * a 1536-well plate as a..f.
 */
export function rowIndex(label: string, lowerFollowsZ = false): number | undefined {
  if (label.length === 1) {
    const code = label.charCodeAt(0)
    if (code >= 65 && code <= 90) return code - 65
    if (code >= 97 && code <= 122) {
      if (!lowerFollowsZ) return code - 97
      return code <= 102 ? 26 + code - 97 : undefined
    }
    return undefined
  }
  if (label.length === 2 && (label[0] === 'A' || label[0] === 'a')) {
    const index = 26 + label.toUpperCase().charCodeAt(1) - 65
    return index >= 26 && index < MAX_ROWS ? index : undefined
  }
  return undefined
}

/** Row label for a 0-based row index: 0 -> A, 25 -> Z, 26 -> AA. */
export function rowName(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : 'A' + String.fromCharCode(65 + index - 26)
}

/** "A01", "a1", " A1 " -> "A1": the one well spelling documents use. */
export function normaliseWell(raw: string): string | undefined {
  const m = /^\s*([A-Za-z]{1,2})\s*0*(\d{1,3})\s*$/.exec(raw)
  if (!m || Number(m[2]) === 0) return undefined
  return `${m[1].toUpperCase()}${Number(m[2])}`
}

/** "B12" -> {row: 1, column: 12}, or undefined for anything that is not a well on a standard plate. */
export function wellPosition(well: string): {row: number; column: number} | undefined {
  const m = /^([A-Z]{1,2})(\d{1,2})$/.exec(well)
  if (!m) return undefined
  const row = rowIndex(m[1])
  const column = Number(m[2])
  return row === undefined || column < 1 || column > 48 ? undefined : {row, column}
}

/** Well name of the n-th well (1-based) of a plate with `columns` columns, counted row by row. */
export function wellByNumber(n: number, columns: number): string {
  return `${rowName(Math.floor((n - 1) / columns))}${((n - 1) % columns) + 1}`
}

/** The smallest standard plate holding `rows` rows and `columns` columns, as its well count. */
export function plateWellCount(rows: number, columns: number): number | undefined {
  if (rows <= 0 || columns <= 0) return undefined
  return STANDARD_PLATES.find(([r, c]) => rows <= r && columns <= c)?.[2]
}
