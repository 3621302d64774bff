import {LabmeshError} from '../errors.js'
import {splitDelimited} from './delimited.js'
import {decodeText} from './text.js'
import type {ConverterInput} from './types.js'

/**
 * A delimited export's lines as trimmed cells. Tables without an end marker can only show
 * truncation by a row shorter than its header, so `checkRowWidths` refuses those.
 */
export function delimitedRows(bytes: Buffer, delimiter?: string): {rows: string[][]; delimiter: string} {
  const lines = joinQuotedLines(decodeText(bytes).split('\n'))
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop()
  const chosen = delimiter ?? guessDelimiter(lines[0] ?? '')
  return {rows: lines.map((line) => splitDelimited(line, chosen).map((c) => c.trim())), delimiter: chosen}
}

/** A quoted cell may hold line breaks ("Plate\nPosition"): such lines are joined back into one. */
function joinQuotedLines(lines: string[]): string[] {
  if (!lines.some((line) => line.includes('"'))) return lines
  const out: string[] = []
  let pending: string[] = []
  // Quote parity kept line by line: a stray quote must not make every later line rescan the rest.
  let open = false
  for (const line of lines) {
    pending.push(line)
    if ((line.match(/"/g)?.length ?? 0) % 2 === 1) open = !open
    if (!open) {
      out.push(pending.join('\n'))
      pending = []
    }
  }
  if (pending.length > 0) out.push(pending.join('\n'))
  return out
}

function guessDelimiter(line: string): string {
  const tabs = line.split('\t').length
  const commas = line.split(',').length
  const semicolons = line.split(';').length
  return tabs >= commas && tabs >= semicolons ? '\t' : semicolons > commas ? ';' : ','
}

/** Refuses rows with fewer cells than the header: what a file cut off mid-row looks like. */
export function checkRowWidths(input: ConverterInput, header: string[], rows: string[][], firstLine: number): void {
  const width = header.length
  rows.forEach((row, i) => {
    if (row.length < width && row.some((c) => c !== '')) {
      throw new LabmeshError(
        'INVALID_DATA',
        `${input.name}: line ${firstLine + i + 1} has ${row.length} of the header's ${width} columns: the file looks truncated`,
        {subject: input.name},
      )
    }
  })
}
