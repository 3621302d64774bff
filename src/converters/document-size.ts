import {LabmeshError} from '../errors.js'

/**
 * The most JSON one engineered document may take. Far above any instrument export's (the largest
 * real ones give a few MB), and far below what a JavaScript string holds (about 512 MiB), so an
 * input that would make a bigger one (a million-row sheet) is refused with a clear error instead
 * of failing at serialisation with "Invalid string length".
 */
export const MAX_DOCUMENT_BYTES = 128 * 1024 * 1024

/** Longest array of numbers measured by serialising it: its JSON stays a few MB. */
const MAX_SERIALISED_ARRAY = 100_000

// eslint-disable-next-line no-control-regex -- JSON escapes control characters: they are what is looked for
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/

/**
 * Refuses a document whose JSON would exceed `maxBytes`, with INVALID_DATA naming the file. The
 * size is counted by walking the document (no string is built, but for short arrays of numbers),
 * and the walk stops at the limit. An object the document holds in several places (a well's sample
 * document under each of its reads) counts wherever it appears, as JSON writes it.
 */
export function assertDocumentSize(document: unknown, name: string, maxBytes = MAX_DOCUMENT_BYTES): void {
  const size = (value: unknown): number => {
    if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? JSON.stringify(value).length : value.length + 2
    if (value === null || typeof value !== 'object') return String(value).length
    let bytes = 1
    if (Array.isArray(value)) {
      // A datacube's values: the engine writes a short array of numbers faster than it is walked.
      if (value.length <= MAX_SERIALISED_ARRAY && finiteNumbers(value)) return JSON.stringify(value).length
      bytes += value.length
      for (const item of value) {
        bytes += size(item)
        if (bytes > maxBytes) throw tooLarge(name, maxBytes)
      }
    } else {
      // for...in, not Object.entries: documents are plain JSON objects, and each entries array would be garbage.
      const record = value as Record<string, unknown>
      for (const key in record) {
        bytes += 1 + key.length + 3 + size(record[key])
        if (bytes > maxBytes) throw tooLarge(name, maxBytes)
      }
    }
    return bytes
  }
  if (size(document) > maxBytes) throw tooLarge(name, maxBytes)
}

/**
 * Numbers and nulls only, none NaN or infinite: their JSON then takes exactly what the walk counts
 * (JSON writes NaN as null, the walk counts it as written by String).
 */
function finiteNumbers(values: unknown[]): boolean {
  if (typeof values[0] !== 'number') return false
  for (const value of values) if (value !== null && !Number.isFinite(value)) return false
  return true
}

function tooLarge(name: string, maxBytes: number): LabmeshError {
  return new LabmeshError(
    'INVALID_DATA',
    `${name} makes a document of more than ${Math.round(maxBytes / 1024 / 1024)} MiB of JSON: too large to store as one engineered document`,
    {subject: name, suggestions: ['split the export into smaller files (fewer rows or plates each)']},
  )
}
