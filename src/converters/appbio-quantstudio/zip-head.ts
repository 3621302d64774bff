import {constants, inflateRawSync} from 'node:zlib'

/**
 * Reads what it can of the entries at the start of a zip (an .xlsx workbook) from its first bytes
 * alone, without the central directory at the end: walks the local file headers and inflates each
 * wanted entry, a truncated one as far as the bytes go. For content detection only.
 */

const LOCAL_HEADER = 0x04034b50
const LOCAL_HEADER_SIGNATURE = Buffer.from([0x50, 0x4b, 0x03, 0x04])
const FLAG_DATA_DESCRIPTOR = 0x08
const STORED = 0
const DEFLATED = 8
/** Inflate at most this much of an entry: detection needs only its first rows and names. */
const MAX_ENTRY_INPUT = 64 * 1024
/** XML inflates about tenfold; this bound only guards against crafted data. */
const MAX_ENTRY_TEXT = 16 * 1024 * 1024

export function isZip(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === LOCAL_HEADER
}

/** The text of the entries whose names `want` accepts, keyed by entry name. */
export function zipHeadEntries(head: Buffer, want: (name: string) => boolean): Map<string, string> {
  const entries = new Map<string, string>()
  let offset = 0
  while (offset + 30 <= head.length && head.readUInt32LE(offset) === LOCAL_HEADER) {
    const flags = head.readUInt16LE(offset + 6)
    const method = head.readUInt16LE(offset + 8)
    const declaredSize = head.readUInt32LE(offset + 18)
    const nameLength = head.readUInt16LE(offset + 26)
    const extraLength = head.readUInt16LE(offset + 28)
    const name = head.toString('utf8', offset + 30, Math.min(head.length, offset + 30 + nameLength))
    const dataStart = offset + 30 + nameLength + extraLength
    // Streaming writers put the size after the data: then the next header is found by its signature.
    const sizeKnown = (flags & FLAG_DATA_DESCRIPTOR) === 0 || declaredSize > 0
    const dataEnd = sizeKnown ? Math.min(head.length, dataStart + declaredSize) : head.length
    if (want(name) && dataStart < head.length) {
      const text = entryText(head.subarray(dataStart, dataEnd), method)
      if (text !== undefined) entries.set(name, text)
    }
    const next = sizeKnown ? dataStart + declaredSize : head.indexOf(LOCAL_HEADER_SIGNATURE, dataStart)
    if (next <= offset) break
    offset = next
  }
  return entries
}

function entryText(entry: Buffer, method: number): string | undefined {
  const data = entry.subarray(0, MAX_ENTRY_INPUT)
  try {
    if (method === STORED) return data.toString('utf8')
    if (method !== DEFLATED) return undefined
    // A sync flush lets a cut-off deflate stream yield what it holds instead of failing.
    return inflateRawSync(data, {finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: MAX_ENTRY_TEXT}).toString('utf8')
  } catch {
    return undefined
  }
}
