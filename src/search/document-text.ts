/**
 * The searchable text of an engineered document: its distinct string values (sample
 * identifiers, plate barcodes, analyte names, units, device names, methods...), one per line.
 * JSON numbers are readings, not words, and are left out.
 */

/** Fields whose values are made up by the converter or repeat what the record already holds. */
const SKIPPED_KEYS = new Set([
  '$asm.manifest',
  'measurement identifier',
  'file name',
  'UNC path',
  'ASM converter name',
  'ASM converter version',
  'labmesh version',
])

/** Enough for every identifier of a 1536-well plate; beyond it a document adds little to find. */
export const MAX_DOCUMENT_TEXT = 64 * 1024

export function documentText(document: unknown): string {
  const seen = new Set<string>()
  let length = 0
  const visit = (node: unknown): void => {
    if (length >= MAX_DOCUMENT_TEXT) return
    if (typeof node === 'string') {
      const value = node.trim()
      // A value that does not fit is skipped, not cut: half a word would be found as a wrong word.
      if (value === '' || seen.has(value) || length + value.length + 1 > MAX_DOCUMENT_TEXT) return
      seen.add(value)
      length += value.length + 1
    } else if (Array.isArray(node)) {
      for (const item of node) visit(item)
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) if (!SKIPPED_KEYS.has(key)) visit(value)
    }
  }
  visit(document)
  return [...seen].join('\n')
}
