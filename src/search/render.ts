import type {FileRecord, SavedSearch} from '../backends/types.js'
import {shortId} from '../output/format.js'
import {renderTable} from '../output/table.js'
import {normaliseFieldName} from './fields.js'
import {highlightForTerminal} from './highlight.js'
import type {SearchResult} from './run-search.js'

/** Metadata shown for each hit, in this order when present; the rest is in --json. */
const KEY_FIELDS = ['sample', 'project', 'assay', 'instrument', 'technique', 'user']
const LIST_FAILED_AT_MOST = 50

export function renderSearchResult(result: SearchResult, colour: boolean): string {
  const parts: string[] = []
  const hits = result.hits ?? []
  if (hits.length > 0) {
    parts.push(
      renderTable(
        ['file', 'name', 'category', 'metadata', 'match', 'score'],
        hits.map((h) => [
          shortId(h.file.fileId),
          h.file.sourcePath.split(/[/\\]/).pop(),
          h.file.category,
          keyMetadata(h.file),
          h.snippet ? highlightForTerminal(h.snippet, colour) : '',
          h.score,
        ]),
      ),
    )
  }
  const first = (result.offset ?? 0) + 1
  parts.push(
    result.total === 0
      ? 'No files match.'
      : hits.length === 0
        ? `${result.total} file${result.total === 1 ? '' : 's'} match.`
        : `Showing ${first}-${first + hits.length - 1} of ${result.total} file${result.total === 1 ? '' : 's'}.`,
  )
  for (const [field, counts] of Object.entries(result.facets ?? {})) {
    parts.push(
      counts.length === 0
        ? `No hit has a ${field}.`
        : renderTable(
            [field, 'files'],
            counts.map((c) => [c.value, c.count]),
          ),
    )
  }
  if (result.download) {
    const {download} = result
    if (download.failed.length > 0) {
      parts.push(
        renderTable(
          ['not downloaded', 'code', 'reason'],
          download.failed.slice(0, LIST_FAILED_AT_MOST).map((f) => [f.sourcePath, f.code, f.message]),
        ),
      )
    }
    parts.push(
      `Downloaded ${download.files.length} raw file${download.files.length === 1 ? '' : 's'} into ${download.folder} (sha256 verified), ${download.failed.length} failed.`,
    )
  }
  return parts.join('\n')
}

function keyMetadata(file: FileRecord): string {
  const byField = new Map(Object.entries(file.metadata).map(([key, value]) => [normaliseFieldName(key), value]))
  const shown = KEY_FIELDS.filter((f) => byField.has(f)).map((f) => `${f}=${byField.get(f)}`)
  const time = byField.get('time')
  return [...shown, ...(time ? [`time=${time.slice(0, 10)}`] : [])].join('\n')
}

export function renderSavedSearches(saved: SavedSearch[]): string {
  if (saved.length === 0) return 'No saved searches. Save one with `labmesh search save <name> "<query>"`.'
  return renderTable(
    ['name', 'query', 'saved'],
    saved.map((s) => [s.name, s.query, s.savedAt]),
  )
}

/** A note for stderr when files are missing from the index; empty when none are. */
export function unindexedWarning(unindexed: number): string {
  return unindexed > 0
    ? `${unindexed} stored file${unindexed === 1 ? ' is' : 's are'} not in the search index yet: run \`labmesh search reindex\`.`
    : ''
}
