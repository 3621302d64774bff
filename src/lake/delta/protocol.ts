import {LabmeshError} from '../../errors.js'
import type {MetadataAction, ProtocolAction} from './actions.js'
import {type DeltaType, isPrimitive, type StructType} from './schema.js'

/**
 * Which tables this library may read and write (PROTOCOL.md "Table Features"). A reader or writer
 * must refuse a table that needs a feature it does not implement, so refusals name the feature.
 */

/** Reader features we honor: column mapping (name and id), timestamps without zone, vacuum's protocol check. */
const READABLE = new Set(['columnMapping', 'timestampNtz', 'vacuumProtocolCheck'])

/** Writer features we honor. Column-mapped tables are read, not written. */
const WRITABLE = new Set(['appendOnly', 'invariants', 'timestampNtz', 'vacuumProtocolCheck'])

// Features implied by the legacy protocol versions (before table features, versions 3 and 7).
const LEGACY_READER: Record<number, string[]> = {1: [], 2: ['columnMapping']}
const LEGACY_WRITER: Record<number, string[]> = {
  1: [],
  2: ['appendOnly', 'invariants'],
  3: ['appendOnly', 'invariants', 'checkConstraints'],
  4: ['appendOnly', 'invariants', 'checkConstraints', 'changeDataFeed', 'generatedColumns'],
  5: ['appendOnly', 'invariants', 'checkConstraints', 'changeDataFeed', 'generatedColumns', 'columnMapping'],
  6: ['appendOnly', 'invariants', 'checkConstraints', 'changeDataFeed', 'generatedColumns', 'columnMapping', 'identityColumns'],
}

/** The features a reader must support, legacy versions expanded. */
export function readerFeatures(protocol: ProtocolAction): string[] {
  if (protocol.minReaderVersion === 3) return protocol.readerFeatures ?? []
  return LEGACY_READER[protocol.minReaderVersion] ?? [`readerVersion${protocol.minReaderVersion}`]
}

/** The features a writer must support, legacy versions expanded. */
export function writerFeatures(protocol: ProtocolAction): string[] {
  if (protocol.minWriterVersion === 7) return protocol.writerFeatures ?? []
  return LEGACY_WRITER[protocol.minWriterVersion] ?? [`writerVersion${protocol.minWriterVersion}`]
}

/** Refuses with UNSUPPORTED, naming the features, when the table needs a reader feature we lack. */
export function assertReadable(protocol: ProtocolAction, metadata: MetadataAction, subject: string): void {
  const missing = readerFeatures(protocol).filter((f) => !READABLE.has(f))
  if (missing.length > 0) {
    throw new LabmeshError('UNSUPPORTED', `${subject} needs Delta reader features this version cannot read: ${missing.join(', ')}`, {
      subject,
      suggestions: [`protocol: reader version ${protocol.minReaderVersion}, writer version ${protocol.minWriterVersion}`],
    })
  }
  const mode = metadata.configuration['delta.columnMapping.mode'] ?? 'none'
  if (!['none', 'name', 'id'].includes(mode)) {
    throw new LabmeshError('UNSUPPORTED', `${subject} uses the unknown column mapping mode "${mode}"`, {subject})
  }
}

/**
 * Refuses with UNSUPPORTED when writing could break the table: a writer feature we lack, or a
 * supported one we would have to enforce and cannot (column invariants).
 */
export function assertWritable(protocol: ProtocolAction, metadata: MetadataAction, schema: StructType, subject: string): void {
  assertReadable(protocol, metadata, subject)
  const missing = writerFeatures(protocol).filter((f) => !WRITABLE.has(f))
  if (missing.length > 0) {
    throw new LabmeshError('UNSUPPORTED', `${subject} needs Delta writer features this version cannot write: ${missing.join(', ')}`, {
      subject,
      suggestions: ['the table can still be read'],
    })
  }
  const withInvariants = schema.fields.filter((f) => f.metadata['delta.invariants'] !== undefined)
  if (withInvariants.length > 0) {
    throw new LabmeshError(
      'UNSUPPORTED',
      `${subject} has column invariants, which this version cannot enforce: ${withInvariants.map((f) => f.name).join(', ')}`,
      {
        subject,
      },
    )
  }
}

/** Refuses with UNSUPPORTED when the table only accepts appends (`delta.appendOnly`). */
export function assertCanRemoveRows(metadata: MetadataAction, subject: string): void {
  if (metadata.configuration['delta.appendOnly'] === 'true') {
    throw new LabmeshError('UNSUPPORTED', `${subject} is append-only (delta.appendOnly); rows cannot be replaced or deleted`, {subject})
  }
}

/** The lowest protocol for a new table: 1/2, or table features when a column needs timestampNtz. */
export function protocolForSchema(schema: StructType): ProtocolAction {
  if (schema.fields.some((f) => usesType(f.type, 'timestamp_ntz'))) {
    return {minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures: ['timestampNtz']}
  }
  return {minReaderVersion: 1, minWriterVersion: 2}
}

/** The protocol after a schema change: upgraded only when a new column needs a feature. */
export function upgradeProtocol(protocol: ProtocolAction, schema: StructType): ProtocolAction | undefined {
  const needed = protocolForSchema(schema)
  if (needed.minReaderVersion === 1) return undefined
  if (readerFeatures(protocol).includes('timestampNtz')) return undefined
  return {
    minReaderVersion: 3,
    minWriterVersion: 7,
    readerFeatures: [...new Set([...readerFeatures(protocol), 'timestampNtz'])],
    writerFeatures: [...new Set([...writerFeatures(protocol), 'timestampNtz'])],
  }
}

function usesType(type: DeltaType, name: string): boolean {
  if (isPrimitive(type)) return type === name
  switch (type.type) {
    case 'struct':
      return type.fields.some((f) => usesType(f.type, name))
    case 'array':
      return usesType(type.elementType, name)
    case 'map':
      return usesType(type.keyType, name) || usesType(type.valueType, name)
  }
}
