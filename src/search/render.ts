import type {FileRecord, SavedSearch} from '../backends/types.js'
import {listedId} from '../output/format.js'
import type {TableLayout} from '../output/layout.js'
import {type Rendered, renderListed} from '../output/listed.js'
import {renderTable} from '../output/table.js'
import {normaliseFieldName} from './fields.js'
import {highlightForTerminal} from './highlight.js'
import type {SearchResult} from './run-search.js'

/** Metadata shown for each hit, in this order when present; the rest is in --json. */
const KEY_FIELDS = ['sample', 'project', 'assay', 'instrument', 'technique', 'user']

export function renderSearchResult(result: SearchResult, layout: TableLayout): Rendered {
  const body: string[] = []
  const notes: string[] = []
  const hits = result.hits ?? []
  if (hits.length > 0 || (layout.kind === 'tsv' && result.hits !== undefined)) {
    body.push(
      renderTable(
        ['file', 'name', 'category', 'metadata', 'match', 'score'],
        hits.map((h) => [
          listedId(h.file.fileId, layout),
          h.file.sourcePath.split(/[/\\]/).pop(),
          h.file.category,
          keyMetadata(h.file),
          h.snippet ? highlightForTerminal(h.snippet, layout.colour) : '',
          h.score,
        ]),
        layout,
      ),
    )
  }
  const first = (result.offset ?? 0) + 1
  notes.push(
    result.total === 0
      ? 'No files match.'
      : hits.length === 0
        ? `${result.total} file${result.total === 1 ? '' : 's'} match.`
        : `Showing ${first}-${first + hits.length - 1} of ${result.total} file${result.total === 1 ? '' : 's'}.`,
  )
  for (const [field, counts] of Object.entries(result.facets ?? {})) {
    if (counts.length === 0) notes.push(`No hit has a ${field}.`)
    else
      body.push(
        renderTable(
          [field, 'files'],
          counts.map((c) => [c.value, c.count]),
          layout,
        ),
      )
  }
  if (result.download) {
    const {download} = result
    const failed = renderListed(
      {
        head: ['not downloaded', 'code', 'reason'],
        rows: download.failed.map((f) => [f.sourcePath, f.code, f.message]),
        noun: 'failures',
      },
      layout,
    )
    if (failed.body !== '') body.push(failed.body)
    notes.push(
      ...failed.notes,
      `Downloaded ${download.files.length} raw file${download.files.length === 1 ? '' : 's'} into ${download.folder} (sha256 verified), ${download.failed.length} failed.`,
    )
  }
  return {body, notes}
}

function keyMetadata(file: FileRecord): string {
  const byField = new Map(Object.entries(file.metadata).map(([key, value]) => [normaliseFieldName(key), value]))
  const shown = KEY_FIELDS.filter((f) => byField.has(f)).map((f) => `${f}=${byField.get(f)}`)
  const time = byField.get('time')
  return [...shown, ...(time ? [`time=${time.slice(0, 10)}`] : [])].join('\n')
}

export function renderSavedSearches(saved: SavedSearch[], layout: TableLayout): string {
  return renderTable(
    ['name', 'query', 'saved'],
    saved.map((s) => [s.name, s.query, s.savedAt]),
    layout,
  )
}

/** A note for stderr when files are missing from the index; empty when none are. */
export function unindexedWarning(unindexed: number): string {
  return unindexed > 0
    ? `${unindexed} stored file${unindexed === 1 ? ' is' : 's are'} not in the search index yet: run \`labmesh search reindex\`.`
    : ''
}
