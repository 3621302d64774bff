import type {PoolClient} from 'pg'

import {indexEntry} from '../../../search/index-entry.js'
import {entryTsvector} from '../../../search/postgres-text.js'
import {type FileRow, SELECT_FILES, toRecord} from './file-rows.js'

/**
 * Writes search entries inside the caller's transaction, from the records as that transaction
 * sees them: a record and its entry are committed (or rolled back) together, as locally.
 * `texts` maps each file id to the words of its engineered document (none for raw files).
 */
export async function indexFiles(client: PoolClient, texts: Map<string, string | undefined>): Promise<void> {
  if (texts.size === 0) return
  const {rows} = await client.query<FileRow>(`${SELECT_FILES} WHERE f.file_id = ANY($1)`, [[...texts.keys()]])
  const entries = rows.map((row) => indexEntry(toRecord(row), texts.get(row.file_id)))
  const ids = entries.map((e) => e.fileId)
  await client.query(
    `INSERT INTO search_entries (file_id, time, doc, fields, labels, content)
     SELECT * FROM unnest($1::text[], $2::double precision[], $3::tsvector[], $4::text[], $5::text[], $6::text[])
     ON CONFLICT (file_id) DO UPDATE SET time = excluded.time, doc = excluded.doc, fields = excluded.fields,
       labels = excluded.labels, content = excluded.content`,
    [
      ids,
      entries.map((e) => e.time),
      entries.map(entryTsvector),
      entries.map((e) => e.fields),
      entries.map((e) => e.labels),
      entries.map((e) => e.content),
    ],
  )
  await client.query('DELETE FROM search_values WHERE file_id = ANY($1)', [ids])
  const values = entries.flatMap((e) => e.values.map((v) => ({fileId: e.fileId, ...v})))
  if (values.length === 0) return
  await client.query(
    `INSERT INTO search_values (file_id, field, value, number, time)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::double precision[], $5::double precision[])`,
    [
      values.map((v) => v.fileId),
      values.map((v) => v.field),
      values.map((v) => v.value),
      values.map((v) => v.number),
      values.map((v) => v.time),
    ],
  )
}

/**
 * Rewrites the entries of files whose labels changed, keeping the document words they hold
 * (the record does not carry them). A file without an entry is left to a rebuild, as locally.
 */
export async function reindexKeepingContent(client: PoolClient, fileIds: string[]): Promise<void> {
  const {rows} = await client.query<{file_id: string; content: string}>(
    'SELECT file_id, content FROM search_entries WHERE file_id = ANY($1)',
    [fileIds],
  )
  await indexFiles(client, new Map(rows.map((r) => [r.file_id, r.content])))
}
