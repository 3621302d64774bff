import {LabmeshError} from '../errors.js'

/**
 * The most JSON one engineered document may take. Far above any instrument export's (the largest
 * real ones give a few MB), and far below what a JavaScript string holds (about 512 MiB), so an
 * input that would make a bigger one (a million-row sheet) is refused with a clear error instead
 * of failing at serialisation with "Invalid string length".
 */
export const MAX_DOCUMENT_BYTES = 128 * 1024 * 1024

// eslint-disable-next-line no-control-regex -- JSON escapes control characters: they are what is looked for
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/

/**
 * Refuses a document whose JSON would exceed `maxBytes`, with INVALID_DATA naming the file. The
 * size is counted by walking the document (no string is built), and the walk stops at the limit.
 */
export function assertDocumentSize(document: unknown, name: string, maxBytes = MAX_DOCUMENT_BYTES): void {
  let bytes = 0
  const pending: unknown[] = [document]
  while (pending.length > 0) {
    const value = pending.pop()
    if (typeof value === 'string') bytes += NEEDS_ESCAPE.test(value) ? JSON.stringify(value).length : value.length + 2
    else if (Array.isArray(value)) {
      bytes += 1 + value.length
      for (const item of value) pending.push(item)
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value)
      bytes += 1 + entries.length
      for (const [key, item] of entries) {
        bytes += key.length + 3
        pending.push(item)
      }
    } else bytes += String(value).length
    if (bytes > maxBytes) {
      throw new LabmeshError(
        'INVALID_DATA',
        `${name} makes a document of more than ${Math.round(maxBytes / 1024 / 1024)} MiB of JSON: too large to store as one engineered document`,
        {subject: name, suggestions: ['split the export into smaller files (fewer rows or plates each)']},
      )
    }
  }
}
