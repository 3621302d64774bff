/**
 * Text decoding for instrument exports: BOMs, UTF-16 with or without BOM, Windows-1252
 * fallback, and every line ending (CRLF, LF, old Mac CR) normalised to LF.
 */
export function decodeText(bytes: Buffer): string {
  return normaliseLineEnds(decodeBytes(bytes))
}

export function decodeBytes(bytes: Buffer): string {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return bytes.subarray(3).toString('utf8')
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2))
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2))
  const bomless = sniffUtf16(bytes)
  if (bomless) return new TextDecoder(bomless).decode(bytes)
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes)
  } catch {
    // Older instrument software writes the Windows code page (µ as 0xB5, ° as 0xB0).
    return new TextDecoder('windows-1252').decode(bytes)
  }
}

/** UTF-16 without a BOM shows as ASCII text with a NUL in every other byte. */
function sniffUtf16(bytes: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(bytes.length, 4096) & ~1
  if (n < 4) return undefined
  let evenZeros = 0
  let oddZeros = 0
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++
    if (bytes[i + 1] === 0) oddZeros++
  }
  const pairs = n / 2
  if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) return 'utf-16le'
  if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) return 'utf-16be'
  return undefined
}

export function normaliseLineEnds(text: string): string {
  return text.replace(/\r\n?/g, '\n')
}

/** True when the bytes look like binary data rather than text in any encoding we read. */
export function looksBinary(head: Buffer): boolean {
  if (head.length === 0) return false
  if (sniffUtf16(head) || (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false
  const n = Math.min(head.length, 8192)
  let control = 0
  for (let i = 0; i < n; i++) {
    const b = head[i]
    if (b === 0) return true
    if (b < 9 || (b > 13 && b < 32)) control++
  }
  return control / n > 0.1
}

/**
 * True when decoded text stops inside a line: no line break at the end, and the last line ends on
 * a delimiter where the line before does not, or is a row with fewer cells, and fewer filled cells,
 * than the row before it. Exports that simply omit the final line
 * break end on a whole line and pass.
 */
export function endsMidLine(text: string): boolean {
  if (text === '' || text.endsWith('\n')) return false
  const lastBreak = text.lastIndexOf('\n')
  if (lastBreak < 0) return false
  const last = text.slice(lastBreak + 1)
  let start = lastBreak
  let previous = ''
  while (start > 0 && previous.trim() === '') {
    const before = text.lastIndexOf('\n', start - 1)
    previous = text.slice(before + 1, start)
    start = before
  }
  if (previous.trim() === '') return false
  const delimiter = ['\t', ',', ';'].reduce((best, d) => (previous.split(d).length > previous.split(best).length ? d : best), '\t')
  const lastCells = last.replace(/\r$/, '').split(delimiter)
  const previousCells = previous.replace(/\r$/, '').split(delimiter)
  const filled = (cells: string[]) => cells.filter((c) => c.trim() !== '').length
  // A last cell left empty where the line before has one: cut just after a delimiter.
  if (lastCells.at(-1)!.trim() === '' && previousCells.at(-1)!.trim() !== '') return true
  // A row with fewer cells, and fewer filled ones, than the row before (footer lines of one cell are whole).
  return lastCells.length >= 2 && lastCells.length < previousCells.length && filled(lastCells) < filled(previousCells)
}
