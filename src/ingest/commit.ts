import {BytesRemovedConflict} from '../backends/bytes-removed.js'
import type {Backend, NewFileRecord, StagedObject} from '../backends/types.js'
import type {LabmeshError} from '../errors.js'
import {storeAgain} from './store-again.js'

/** A record to store, with the bytes it points at (staged) and a way to stage them again. */
export interface StagedRecord {
  staged: StagedObject
  /** Stages the bytes again, for when a delete removed them before the record was stored. */
  restage: () => Promise<StagedObject>
  record: NewFileRecord
}

/**
 * Group commit of one batch: its objects are made durable together, then its records written in
 * one transaction, so a record only ever points at bytes that are there. A record refused because
 * a delete removed its bytes meanwhile is stored again over freshly staged bytes. Returns each
 * record's error (CONFLICT: its version was taken), undefined where it was stored.
 */
export async function commitStaged(
  backend: Backend,
  batch: StagedRecord[],
  removalMark: number | undefined,
): Promise<(LabmeshError | undefined)[]> {
  if (batch.length === 0) return []
  await backend.objects.publish(batch.map((b) => b.staged))
  const errors = await backend.metadata.insertFiles(
    batch.map((b) => b.record),
    {removalMark},
  )
  for (const [i, {record, restage}] of batch.entries()) {
    if (errors[i] instanceof BytesRemovedConflict) errors[i] = await storeAgain(backend, record, restage)
  }
  return errors
}
