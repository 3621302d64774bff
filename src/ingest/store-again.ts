import {setTimeout as delay} from 'node:timers/promises'

import {BytesRemovedConflict} from '../backends/bytes-removed.js'
import type {Backend, NewFileRecord, StagedObject} from '../backends/types.js'
import {LabmeshError} from '../errors.js'

/** Waits before each try: a delete holds its claim for one object's removal, so a few short waits see it through. */
const WAITS_MS = [0, 50, 100, 200, 400, 800, 1600, 3200]

/**
 * Stores a record that was refused because `files delete` removed its bytes meanwhile
 * (BytesRemovedConflict): under a new removal mark, stages the bytes again, publishes them and
 * stores the record, which then points at bytes that are there. A removal still under way is
 * waited for; after the last try its error is returned and the file reported as failed.
 */
export async function storeAgain(
  backend: Backend,
  record: NewFileRecord,
  restage: () => Promise<StagedObject>,
): Promise<LabmeshError | undefined> {
  let error: LabmeshError | undefined = new BytesRemovedConflict(record)
  for (const wait of WAITS_MS) {
    if (wait > 0) await delay(wait)
    const removalMark = await backend.metadata.removalMark()
    const staged = await restage()
    if (staged.sha256 !== record.sha256) {
      return new LabmeshError('CONFLICT', `${record.sourcePath} changed while it was being stored`, {
        subject: record.sourcePath,
        suggestions: ['run the ingest again: it stores the file as it is now'],
      })
    }
    await backend.objects.publish([staged])
    ;[error] = await backend.metadata.insertFiles([record], {removalMark})
    if (!(error instanceof BytesRemovedConflict)) return error
  }
  return error
}
