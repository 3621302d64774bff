import {Args, Flags} from '@oclif/core'

import {LabmeshError} from '../../errors.js'
import {searchFlags, SYNTAX_HELP} from '../../search/flags.js'
import type {SearchResult} from '../../search/run-search.js'
import {SearchingCommand} from '../../search/search-command.js'

export default class Search extends SearchingCommand<typeof Search> {
  static override summary = 'Find files by metadata, labels, path and content.'
  static override description = `Searches every stored file: its path and name, metadata, labels, category, and the words of its engineered document. Hits come best match first, with the words that matched.

${SYNTAX_HELP}
A query that is only save, list, run, delete or reindex names a subcommand: quote it ('"list"').
A query that starts with - (-failed, a NOT) would read as a flag: put it after --, flags before: labmesh search --json -- -failed`
  static override examples = [
    "<%= config.bin %> <%= command.id %> 'sample:S-001'",
    "<%= config.bin %> <%= command.id %> 'instrument:envision time>=2024-01-01 -label.status:rejected' --sort time",
    "<%= config.bin %> <%= command.id %> 'glucose OR lactate' --category engineered --facets instrument",
    "<%= config.bin %> <%= command.id %> 'project:alpha assay:elisa' --download ./alpha-elisa",
    "<%= config.bin %> <%= command.id %> '' --count",
    "<%= config.bin %> <%= command.id %> --sort time -- '-status:failed instrument:envision'",
    '<%= config.bin %> <%= command.id %> --dsl \'{"query": {"match_phrase": {"content": "optical density"}}}\'',
    '<%= config.bin %> <%= command.id %> --dsl query.json',
  ]
  static override args = {
    query: Args.string({description: 'The query (quote it for the shell); "" matches every file. Not with --dsl.'}),
  }
  static override flags = {
    ...searchFlags,
    dsl: Flags.string({
      description:
        "On an aws profile searching in OpenSearch: the JSON body of a _search request (inline, or a file holding it) instead of a query, sent read-only to labmesh's index.",
      exclusive: ['count', 'facets', 'download', 'offset', 'category', 'all-versions'],
    }),
  }

  public async run(): Promise<SearchResult> {
    const {dsl, ...flags} = this.flags
    if (dsl !== undefined) {
      if (this.args.query !== undefined) throw new LabmeshError('USAGE', 'give a query or --dsl, not both')
      return this.dslSearchAndShow(dsl, flags.limit)
    }
    if (this.args.query === undefined) throw new LabmeshError('USAGE', 'a query is needed ("" matches every file)')
    return this.searchAndShow(this.args.query, flags)
  }
}
