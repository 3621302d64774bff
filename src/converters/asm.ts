import {LABMESH_VERSION} from '../version.js'
import type {Converter, ConverterInput, EngineeredDocument, Quantity} from './types.js'

/** Shared builders for ASM-shaped documents, so every converter spells the vocabulary alike. */
export const ASM_MANIFEST_BASE = 'http://purl.allotrope.org/manifests'

export function quantity(value: number, unit: string): Quantity {
  return {value, unit}
}

/** A quantity, or undefined when the value is missing, so absent readings are left out, never zeroed. */
export function optionalQuantity(value: number | undefined, unit: string): Quantity | undefined {
  return value === undefined || Number.isNaN(value) ? undefined : {value, unit}
}

/** The `data system document` every engineered document carries: source file and converter. */
export function dataSystemDocument(
  input: ConverterInput,
  converter: Pick<Converter, 'name' | 'version'>,
  software?: {name?: string; version?: string},
) {
  return compact({
    'file name': input.name,
    'UNC path': undefined,
    'software name': software?.name,
    'software version': software?.version,
    'ASM converter name': `labmesh/${converter.name}`,
    'ASM converter version': converter.version,
  })
}

/**
 * Records the labmesh version that wrote a document in its `data system document`, beside the
 * converter's own name and version, whatever converter made it (user converters too): in the
 * aggregate document when there is one, else at the root.
 */
export function stampLabmeshVersion(document: EngineeredDocument): EngineeredDocument {
  if (!isRecord(document)) return document
  const aggregates = Object.keys(document).filter((key) => key.endsWith(' aggregate document') && isRecord(document[key]))
  const holder = aggregates.length === 1 ? (document[aggregates[0]] as Record<string, unknown>) : document
  const current = holder['data system document']
  holder['data system document'] = {...(isRecord(current) ? current : {}), 'labmesh version': LABMESH_VERSION}
  return document
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Drops undefined fields (and empty strings) so documents carry only what the file said. */
export function compact<T extends Record<string, unknown>>(record: T): Partial<T> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || value === '') continue
    out[key] = value
  }
  return out as Partial<T>
}

/** "A01", "a1", " A1 " -> "A1": the one well spelling documents use. */
export function normaliseWell(raw: string): string | undefined {
  const m = /^\s*([A-Za-z]{1,2})\s*0*(\d{1,3})\s*$/.exec(raw)
  if (!m || m[2] === '' || Number(m[2]) === 0) return undefined
  return `${m[1].toUpperCase()}${Number(m[2])}`
}

/** Row letter(s) for a zero-based row index: 0 -> A, 25 -> Z, 26 -> AA (1536-well plates). */
export function rowName(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : 'A' + String.fromCharCode(65 + index - 26)
}

/** The standard plate formats as [rows, columns, wells], smallest first. */
export const STANDARD_PLATES: ReadonlyArray<readonly [rows: number, columns: number, wells: number]> = [
  [2, 3, 6],
  [3, 4, 12],
  [4, 6, 24],
  [6, 8, 48],
  [8, 12, 96],
  [16, 24, 384],
  [32, 48, 1536],
]
