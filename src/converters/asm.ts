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
export function stampLabmeshVersion(document: EngineeredDocument) {
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
  // for...in, not Object.entries: no array per call, and mappers call this once per well and read.
  for (const key in record) {
    const value = record[key]
    if (value === undefined || value === '') continue
    out[key] = value
  }
  return out as Partial<T>
}
