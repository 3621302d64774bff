/**
 * The converter accuracy score of ../shared/testdata/README.md: for one engineered document
 * and the reference (`X.expected.json`), the recall of values, quantities and per-well values.
 */
export interface ExpectedDocument {
  family: string
  file: string
  distinctValues: number[]
  quantities: [number, string][]
  wellValues: [string, number][]
}

export interface AccuracyScore {
  values?: number
  quantities?: number
  wells?: number
  /** Mean of the recalls that apply (a recall with nothing expected does not apply). */
  score: number
  missing: {values: number[]; quantities: [number, string][]; wells: [string, number][]}
}

const WELL = /^[A-Z]{1,2}[1-9]\d{0,2}$/

/** Numbers compare at 6 significant digits; -0 equals 0. */
export function numberKey(n: number): string {
  if (n === 0) return '0'
  return String(Number(n.toPrecision(6)))
}

/** Units compare case-insensitively, micro signs as u, spaces, parentheses and "unitless" ignored. */
export function unitKey(unit: string): string {
  return unit
    .toLowerCase()
    .replace(/[µμ]/g, 'u')
    .replace(/unitless/g, '')
    .replace(/[\s()]/g, '')
}

interface Walked {
  wells: Set<string>
  numbers: number[]
}

export function scoreDocument(doc: unknown, expected: ExpectedDocument): AccuracyScore {
  const values = new Set<string>()
  const quantities = new Set<string>()
  const wellNumbers = new Map<string, Set<string>>()
  // A well name is any plate well (A1..AF48) or a position the reference names (e.g. NanoDrop's "A").
  const expectedWells = new Set(expected.wellValues.map(([well]) => well))
  const isWell = (s: string): boolean => WELL.test(s) || expectedWells.has(s)

  const walk = (node: unknown): Walked => {
    if (typeof node === 'number') {
      values.add(numberKey(node))
      return {wells: new Set(), numbers: [node]}
    }
    if (typeof node === 'string') return {wells: isWell(node.trim()) ? new Set([node.trim()]) : new Set(), numbers: []}
    if (node === null || typeof node !== 'object') return {wells: new Set(), numbers: []}
    const children = Array.isArray(node) ? node : Object.values(node)
    const wells = new Set<string>()
    const numbers: number[] = []
    for (const child of children) {
      const sub = walk(child)
      for (const w of sub.wells) if (wells.size < 2) wells.add(w)
      for (const n of sub.numbers) numbers.push(n)
    }
    if (!Array.isArray(node)) {
      const record = node as Record<string, unknown>
      if (typeof record.value === 'number' && typeof record.unit === 'string') {
        quantities.add(`${numberKey(record.value)}|${unitKey(record.unit)}`)
      }
      if (wells.size === 1) {
        const [well] = wells
        let set = wellNumbers.get(well)
        if (!set) wellNumbers.set(well, (set = new Set()))
        for (const n of numbers) set.add(numberKey(n))
      }
    }
    return {wells, numbers}
  }
  walk(doc)

  const missingValues = expected.distinctValues.filter((v) => !values.has(numberKey(v)))
  const missingQuantities = expected.quantities.filter(([v, u]) => !quantities.has(`${numberKey(v)}|${unitKey(u)}`))
  const missingWells = expected.wellValues.filter(([w, v]) => !wellNumbers.get(w)?.has(numberKey(v)))

  const recall = (total: number, missing: number): number | undefined => (total === 0 ? undefined : (total - missing) / total)
  const result = {
    values: recall(expected.distinctValues.length, missingValues.length),
    quantities: recall(uniqueCount(expected.quantities), uniqueCount(missingQuantities)),
    wells: recall(expected.wellValues.length, missingWells.length),
  }
  const applied = [result.values, result.quantities, result.wells].filter((r): r is number => r !== undefined)
  return {
    ...result,
    score: applied.length === 0 ? 1 : applied.reduce((a, b) => a + b, 0) / applied.length,
    missing: {values: missingValues, quantities: missingQuantities, wells: missingWells},
  }
}

function uniqueCount(items: [number, string][]): number {
  return new Set(items.map(([v, u]) => `${numberKey(v)}|${unitKey(u)}`)).size
}
