import {Flags, type Interfaces} from '@oclif/core'

import {CATEGORIES, SEARCH_SORTS} from '../backends/types.js'
import {choiceFlag} from '../flags/choice.js'
import {wideFlag} from '../flags/wide.js'
import type {SearchRequest} from './run-search.js'

/** The flags of `search` and `search run`: one meaning for both. */
export const searchFlags = {
  limit: Flags.integer({char: 'n', description: 'Hits to show (0: only the total and facets).', default: 20, min: 0}),
  offset: Flags.integer({description: 'Skip this many hits first.', default: 0, min: 0}),
  sort: choiceFlag(SEARCH_SORTS)({
    description: 'Order of hits: best match, newest (the time metadata), or source path.',
    default: 'score',
  }),
  category: choiceFlag(CATEGORIES)({description: 'Only files of this category.'}),
  'all-versions': Flags.boolean({description: 'Search superseded versions too.'}),
  count: Flags.boolean({description: 'Print only the number of hits.', exclusive: ['facets', 'download']}),
  facets: Flags.string({
    description: 'Count hits per value of this field (repeatable): instrument, technique, category, label.site...',
    multiple: true,
  }),
  ...wideFlag,
  download: Flags.string({
    description: 'Restore the raw file of every hit (all pages, not only those shown) into this folder, sha256 verified.',
  }),
  force: Flags.boolean({description: 'With --download, replace files of the same name that differ.', dependsOn: ['download']}),
}

export type SearchFlagValues = Interfaces.InferredFlags<typeof searchFlags>

export function searchRequest(query: string, flags: SearchFlagValues): SearchRequest {
  return {
    query,
    limit: flags.limit,
    offset: flags.offset,
    sort: flags.sort,
    category: flags.category,
    allVersions: flags['all-versions'],
    countOnly: flags.count,
    facets: flags.facets,
    download: flags.download,
    force: flags.force,
  }
}

/** How the query syntax reads, for the commands' help (lines short enough not to be re-wrapped). */
export const SYNTAX_HELP = `Query syntax, the same on every backend:
  glucose "plate reader"     words and phrases: all must match
  abs*                       a word starting with abs
  sample:S-001               a metadata field (any key)
  label.site:boston          a label (label:boston: any label)
  name:plate path:2024       words of the file name or the source path
  category:RAW status:failed id:3f2a9c1e trace:9b1c...
  time>=2024-01-01 size<1MB  compare times (time, ingested, modified), numbers
  time:2024-03               a time is a span: all of March 2024 (UTC)
  envision OR mars           either (terms side by side must all match)
  -failed  NOT failed        exclude
  (a OR b) -c                group
Case and accents are ignored. Sizes take KB, MB, GB (x1000), KiB, MiB, GiB.
Spaces in metadata keys become _ (converter_version); metadata.<key> reaches
a key that a built-in name hides. Raw files are found by path, name, metadata
and labels; the words inside a file come from its engineered document (same
trace): run \`labmesh convert\` to make them searchable.`
