import {LabmeshError} from '../errors.js'
import type {NewFileRecord} from './types.js'

/**
 * A record refused because `files delete` removed its bytes (or was removing them) after they
 * were staged: a record stored then would point at nothing. The writer stages the bytes again
 * under a new removal mark and stores the record then.
 */
export class BytesRemovedConflict extends LabmeshError {
  constructor(record: Pick<NewFileRecord, 'sourcePath' | 'sha256'>) {
    super('CONFLICT', `the bytes of ${record.sourcePath} (sha256 ${record.sha256}) were removed by a delete while they were being stored`, {
      subject: record.sourcePath,
      suggestions: ['run the command again: it stores the bytes again'],
    })
  }
}

/** How long a delete may take to remove one object's bytes before its claim lapses and writers stop waiting for it. */
export const REMOVAL_LEASE_MS = 10 * 60_000
