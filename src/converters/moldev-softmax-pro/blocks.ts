import {LabmeshError} from '../../errors.js'

/**
 * The outer grammar of a SoftMax Pro text export: a `##BLOCKS= n` line, then n blocks
 * (`Plate:`, `Group:`, `Note:`, ...) each closed by a `~End` line, then an optional
 * `Original Filename: ...; Date Last Saved: ...` trailer.
 */
export interface Block {
  /** The word before the colon on the block's first line: Plate, Group, Note, ... */
  kind: string
  /** Every line of the block, its opening line first, without the `~End` line. */
  lines: string[]
  /** False when the file ends before the block's `~End` line. */
  closed: boolean
}

export interface BlockFile {
  blocks: Block[]
  originalFileName?: string
  dateLastSaved?: string
}

export const BLOCKS_LINE = /^##BLOCKS=\s*(\d+)/
const BLOCK_START = /^([A-Za-z][A-Za-z ]*):/

/** Tab-separated cells of a line, each trimmed and unquoted ("NaN" -> NaN). */
export function cells(line: string): string[] {
  return line.split('\t').map(unquote)
}

export function unquote(cell: string): string {
  const trimmed = cell.trim()
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).trim() : trimmed
}

/** A line with nothing but whitespace and tabs. */
export function isBlank(line: string | undefined): boolean {
  return line === undefined || line.trim() === ''
}

function isEnd(line: string): boolean {
  return line.trim() === '~End'
}

export function splitBlocks(name: string, text: string): BlockFile {
  const lines = text.split('\n')
  let i = 0
  while (i < lines.length && isBlank(lines[i])) i++
  const declared = BLOCKS_LINE.exec(lines[i]?.trim() ?? '')
  if (!declared) {
    throw new LabmeshError(
      'INVALID_DATA',
      `${name}: expected a SoftMax Pro export starting with "##BLOCKS= n", found ${describe(lines[i])}`,
      {subject: name},
    )
  }
  const expectedBlocks = Number(declared[1])
  i++
  const file: BlockFile = {blocks: []}
  while (i < lines.length) {
    const line = lines[i]
    if (isBlank(line)) {
      i++
      continue
    }
    const trailer = /^Original Filename:\s*(.*?)\s*;\s*Date Last Saved:\s*(.*?)\s*$/.exec(line.trim())
    if (trailer) {
      file.originalFileName = trailer[1]
      file.dateLastSaved = trailer[2]
      i++
      continue
    }
    const start = BLOCK_START.exec(line)
    if (!start) {
      throw new LabmeshError(
        'INVALID_DATA',
        `${name}: line ${i + 1}: expected a block (Plate:, Group:, Note:) or the end of the file, found ${describe(line)}`,
        {subject: name},
      )
    }
    const begin = i
    while (i < lines.length && !isEnd(lines[i])) i++
    // SoftMax may leave the last block open; the plate parser then insists on finding its data.
    file.blocks.push({kind: start[1].trim(), lines: lines.slice(begin, i), closed: i < lines.length})
    i++
  }
  if (file.blocks.length < expectedBlocks) {
    throw new LabmeshError(
      'INVALID_DATA',
      `${name}: the header announces ${expectedBlocks} blocks but only ${file.blocks.length} are present: the file is truncated`,
      {subject: name},
    )
  }
  return file
}

function describe(line: string | undefined): string {
  if (line === undefined) return 'the end of the file'
  const shown = line.trim().slice(0, 40)
  return shown === '' ? 'an empty line' : `"${shown}"`
}
