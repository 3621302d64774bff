import type {Database} from 'better-sqlite3'

import {type IndexedValue, indexEntry, labelKeys, labelsText, labelValues} from '../../search/index-entry.js'
import type {FileRecord, Label} from '../types.js'

/**
 * Writes search entries. Synchronous on purpose: the metadata store calls it inside its own
 * better-sqlite3 transactions, so a record and its entry are committed (or lost) together.
 */
export interface SearchWriter {
  /** Adds the file's entry, replacing any it had. */
  index(record: Omit<FileRecord, 'latest'>, searchText?: string): void
  /** Replaces the labels of the file's entry (a file indexed before search existed is left to a rebuild). */
  refreshLabels(fileId: string, labels: Label[]): void
}

export function createSearchWriter(db: Database): SearchWriter {
  const statements = {
    // Deleting the entry removes its text and values (trigger search_entries_delete).
    remove: db.prepare('DELETE FROM search_entries WHERE file_id = ?'),
    // Read from the files row written in this same transaction, is_latest included.
    insertEntry: db.prepare(`INSERT INTO search_entries (file_id, latest, category, size, path, version, time)
      SELECT file_id, is_latest, category, size, source_path, version, ? FROM files WHERE file_id = ?`),
    insertText: db.prepare(
      'INSERT INTO search_text (rowid, name, path, fields, labels, content, field_keys, label_keys) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertValue: db.prepare('INSERT INTO search_values (doc, field, value, number, time) VALUES (?, ?, ?, ?, ?)'),
    doc: db.prepare<[string], {doc: number}>('SELECT doc FROM search_entries WHERE file_id = ?'),
    removeLabels: db.prepare("DELETE FROM search_values WHERE doc = ? AND field >= 'label.' AND field < 'label/'"),
    updateLabels: db.prepare('UPDATE search_text SET labels = ?, label_keys = ? WHERE rowid = ?'),
  }
  const insertValues = (doc: number | bigint, values: IndexedValue[]): void => {
    for (const v of values) statements.insertValue.run(doc, v.field, v.value, v.number, v.time)
  }

  return {
    index(record, searchText) {
      const entry = indexEntry(record, searchText)
      statements.remove.run(record.fileId)
      const inserted = statements.insertEntry.run(entry.time, record.fileId)
      if (inserted.changes !== 1) throw new Error(`cannot index ${record.fileId}: its file record is not stored`)
      const doc = inserted.lastInsertRowid
      statements.insertText.run(doc, entry.name, entry.path, entry.fields, entry.labels, entry.content, entry.fieldKeys, entry.labelKeys)
      insertValues(doc, entry.values)
    },

    refreshLabels(fileId, labels) {
      const found = statements.doc.get(fileId)
      if (!found) return
      statements.removeLabels.run(found.doc)
      insertValues(found.doc, labelValues(labels))
      statements.updateLabels.run(labelsText(labels), labelKeys(labels), found.doc)
    },
  }
}
