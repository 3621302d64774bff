import {constants, inflateRawSync} from 'node:zlib'

/**
 * The entries of a zip archive (an .xlsx workbook) read from its central directory, each inflated
 * only when asked for. Workbooks are read whole into memory by the caller already; what this adds
 * is reading only the parts a converter needs, and refusing parts too large to hold.
 */
export interface ZipEntry {
  name: string
  method: number
  compressedSize: number
  size: number
  localHeader: number
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50
const CENTRAL_HEADER = 0x02014b50
const LOCAL_HEADER = 0x04034b50
const STORED = 0
const DEFLATED = 8
/** The end record sits in the last 22 bytes plus a comment of at most 64 KiB. */
const MAX_TAIL = 22 + 0xffff

export class ZipError extends Error {}

export function zipEntries(bytes: Buffer): Map<string, ZipEntry> {
  const from = Math.max(0, bytes.length - MAX_TAIL)
  let end = -1
  for (let i = bytes.length - 22; i >= from; i--) {
    if (bytes.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i
      break
    }
  }
  if (end < 0) throw new ZipError('no zip central directory: the workbook is truncated or not a zip archive')
  const count = bytes.readUInt16LE(end + 10)
  let offset = bytes.readUInt32LE(end + 16)
  const entries = new Map<string, ZipEntry>()
  for (let i = 0; i < count; i++) {
    if (offset + 46 > bytes.length || bytes.readUInt32LE(offset) !== CENTRAL_HEADER) {
      throw new ZipError('the zip central directory is damaged')
    }
    const nameLength = bytes.readUInt16LE(offset + 28)
    const name = bytes.toString('utf8', offset + 46, offset + 46 + nameLength)
    entries.set(name, {
      name,
      method: bytes.readUInt16LE(offset + 10),
      compressedSize: bytes.readUInt32LE(offset + 20),
      size: bytes.readUInt32LE(offset + 24),
      localHeader: bytes.readUInt32LE(offset + 42),
    })
    offset += 46 + nameLength + bytes.readUInt16LE(offset + 30) + bytes.readUInt16LE(offset + 32)
  }
  return entries
}

/** An entry's text; refused above `maxBytes` uncompressed, before anything is inflated. */
export function zipEntryText(bytes: Buffer, entry: ZipEntry, maxBytes: number): string {
  // 0xFFFFFFFF marks a ZIP64 size: more than 4 GiB, far beyond any limit here.
  if (entry.size > maxBytes || entry.size === 0xffffffff) {
    throw new ZipError(`${entry.name} holds ${entry.size} bytes of XML, more than the ${maxBytes} this reader accepts`)
  }
  const data = entryData(bytes, entry)
  if (entry.method === STORED) return data.toString('utf8')
  try {
    return inflateRawSync(data, {maxOutputLength: Math.max(entry.size, 1)}).toString('utf8')
  } catch (error) {
    throw new ZipError(`${entry.name} cannot be inflated (${(error as Error).message})`)
  }
}

/**
 * The first `chars` characters of an entry's text, inflating only as much of the entry as they
 * take (all of it, within `maxBytes`, when shorter): content detection looks at the start of each
 * sheet, which may be megabytes long.
 */
export function zipEntryHead(bytes: Buffer, entry: ZipEntry, chars: number, maxBytes: number): string {
  const data = entryData(bytes, entry)
  // XML deflates several times over, so a prefix of `chars / 8` compressed bytes usually suffices.
  for (let take = Math.ceil(chars / 8); take < data.length; take *= 2) {
    const prefix = data.subarray(0, take)
    let text: string
    try {
      text = (entry.method === STORED ? prefix : inflateRawSync(prefix, {finishFlush: constants.Z_SYNC_FLUSH})).toString('utf8')
    } catch (error) {
      throw new ZipError(`${entry.name} cannot be inflated (${(error as Error).message})`)
    }
    // Longer than asked, so a character cut at the end of the prefix lies past the head.
    if (text.length > chars) return text.slice(0, chars)
  }
  return zipEntryText(bytes, entry, maxBytes).slice(0, chars)
}

/** The stored bytes of an entry, checked to be whole and in a supported compression method. */
function entryData(bytes: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeader
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL_HEADER) throw new ZipError(`${entry.name} is missing from the archive`)
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28)
  const data = bytes.subarray(start, start + entry.compressedSize)
  if (data.length < entry.compressedSize) throw new ZipError(`${entry.name} is cut short: the workbook is truncated`)
  if (entry.method !== STORED && entry.method !== DEFLATED) {
    throw new ZipError(`${entry.name} uses zip compression method ${entry.method}, which is not supported`)
  }
  return data
}
