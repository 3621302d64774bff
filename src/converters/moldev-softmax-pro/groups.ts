import {normaliseWell} from '../wells.js'
import {cells, isBlank} from './blocks.js'

/**
 * Group and Note blocks: SoftMax Pro's result tables. A group lists samples with their wells and
 * calculated columns (formulas in its "Group Column" table) and may end with summaries; notes hold
 * free text and summary lines (name, description, value, formula, precision, notation).
 */
export interface GroupRow {
  well?: string
  /** The plate the well is on, when the group has a WellPlateName column. */
  plate?: string
  /** Column name -> cell text, for the calculated and descriptor columns. */
  values: Map<string, string>
}

export interface GroupSample {
  sample?: string
  rows: GroupRow[]
}

export interface Summary {
  name: string
  description?: string
  value: string
  formula?: string
}

export interface Group {
  name: string
  /** Calculated and descriptor columns, in file order. */
  columns: string[]
  samples: GroupSample[]
  formulas: Map<string, string>
  summaries: Summary[]
  text: string[]
}

export interface Note {
  summaries: Summary[]
  text: string[]
}

const IDENTITY_COLUMNS = /^(sample|wells?|wellplatename)$/i
const PRECISION = /decimal places|significant|digits/i

export function parseGroup(lines: string[]): Group {
  const name = cells(lines[0].replace(/^Group:/, '')).find((c) => c !== '') ?? ''
  const group: Group = {name, columns: [], samples: [], formulas: new Map(), summaries: [], text: []}
  let i = 1
  while (i < lines.length && isBlank(lines[i])) i++
  if (i < lines.length && !isSectionTitle(lines[i])) i = readTable(lines, i, group)
  while (i < lines.length) {
    const line = lines[i]
    if (/^Group Column\b/.test(line)) {
      i++
      for (; i < lines.length && !isBlank(lines[i]) && !isSectionTitle(lines[i]); i++) {
        const [, formulaName, formula] = cells(lines[i])
        if (formulaName && formula) group.formulas.set(formulaName, formula)
      }
    } else if (/^Group Summaries\b/.test(line)) {
      i++
      for (; i < lines.length && !isBlank(lines[i]) && !isSectionTitle(lines[i]); i++) addSummaryOrText(lines[i], group)
    } else {
      if (!isBlank(line)) group.text.push(line.trim())
      i++
    }
  }
  return group
}

export function parseNote(lines: string[]): Note {
  const note: Note = {summaries: [], text: []}
  const first = lines[0].replace(/^Note:/, '').trim()
  if (first) note.text.push(first)
  for (const line of lines.slice(1)) if (!isBlank(line)) addSummaryOrText(line, note)
  return note
}

function isSectionTitle(line: string): boolean {
  return /^Group (Column|Summaries)\b/.test(line)
}

/** A summary line: name, description, value, formula, precision ("3 decimal places"), notation. */
function addSummaryOrText(line: string, target: {summaries: Summary[]; text: string[]}): void {
  const c = cells(line)
  if (c.length >= 5 && PRECISION.test(c[4]) && c[2] !== '') {
    target.summaries.push({name: c[0], description: c[1] || undefined, value: c[2], formula: c[3] || undefined})
  } else {
    target.text.push(c.filter((x) => x !== '').join('\t'))
  }
}

/** The sample table: a header line, then rows until a blank line; a blank Sample cell continues the sample above. */
function readTable(lines: string[], start: number, group: Group): number {
  const header = cells(lines[start])
  const sampleCol = header.findIndex((h) => /^sample$/i.test(h))
  const wellCol = header.findIndex((h) => /^wells?$/i.test(h))
  const plateCol = header.findIndex((h) => /^wellplatename$/i.test(h))
  const valueCols = header.map((h, k) => ({h, k})).filter(({h}) => h !== '' && !IDENTITY_COLUMNS.test(h))
  group.columns = valueCols.map(({h}) => h)
  let i = start + 1
  let current: GroupSample | undefined
  for (; i < lines.length && !isBlank(lines[i]) && !isSectionTitle(lines[i]); i++) {
    const c = cells(lines[i])
    const sample = sampleCol >= 0 ? c[sampleCol] : ''
    // Without a Sample column every row stands alone.
    if (!current || sample !== '' || sampleCol < 0) {
      current = {sample: sample || undefined, rows: []}
      group.samples.push(current)
    }
    current.rows.push({
      well: wellCol >= 0 ? normaliseWell(c[wellCol] ?? '') : undefined,
      plate: plateCol >= 0 ? c[plateCol] || undefined : undefined,
      values: new Map(valueCols.map(({h, k}) => [h, c[k] ?? ''])),
    })
  }
  return i
}
