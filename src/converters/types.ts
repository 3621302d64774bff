/** A `{value, unit}` quantity, as the Allotrope Simple Model writes it. */
export interface Quantity {
  value: number
  unit: string
}

/**
 * An engineered document: ASM-shaped JSON, numbers as JSON numbers. Built-in converters produce one of
 * the typed technique documents (`BuiltinDocument`); a converter module of the user's may return any JSON object.
 */
export type EngineeredDocument = Record<string, unknown>

/**
 * What detection may know beyond the first bytes: when the whole file is at hand and it is a
 * workbook, its sheet names and strings (a zip keeps them anywhere, often past the head).
 */
export interface DetectContext {
  workbook?: {sheetNames: string[]; text: string}
}

/** What a converter gets: the file's name (basename) and its bytes. */
export interface ConverterInput {
  name: string
  bytes: Buffer
}

/**
 * One instrument family's converter. `detect` looks only at the name and the first bytes
 * (up to DETECT_HEAD_BYTES) and returns a confidence from 0 (not mine) to 1 (certainly mine);
 * the registry picks the most confident. With the whole file at hand, `context` says more of workbooks. `convert` throws a LabmeshError naming what was
 * expected when the file is not a complete export of its kind.
 */
export interface Converter<D extends EngineeredDocument = EngineeredDocument> {
  name: string
  version: string
  /** ASM technique, e.g. "plate reader", "qPCR", "cell counting", "spectrophotometry". */
  technique: string
  description: string
  detect(name: string, head: Buffer, context?: DetectContext): number | Promise<number>
  convert(input: ConverterInput): D | Promise<D>
}

/** How many leading bytes `detect` sees: enough for every header we know, small enough to sniff fast. */
export const DETECT_HEAD_BYTES = 256 * 1024

/** Below this confidence a specific converter is not trusted and the generic one is used. */
export const MIN_CONFIDENCE = 0.5
