import type {Command} from '@oclif/core'

import {LabmeshCommand} from '../base-command.js'
import {readInputFile} from '../files/contained.js'
import type {Completions} from '../completion/sources.js'
import {type SearchFlagValues, searchRequest} from './flags.js'
import {runDslSearch, runSearch, type SearchResult} from './run-search.js'

// A query body, however elaborate, is small: a bigger file is surely not one.
const MAX_DSL_BYTES = 1024 * 1024

/** What `search` and `search run` share: run a query with the search flags and show the result. */
export abstract class SearchingCommand<T extends typeof Command> extends LabmeshCommand<T> {
  static override completions: Completions = {download: 'dirs'}

  protected async searchAndShow(query: string, flags: SearchFlagValues): Promise<SearchResult> {
    const backend = await this.backend()
    // Loaded only when used: a search should answer as fast as the CLI starts, and ora and
    // cli-table3 take longer to load than most searches take to run.
    const spinner =
      this.interactive && flags.download ? (await import('../output/spinner.js')).createSpinner(true, 'downloading') : undefined
    let result: SearchResult
    try {
      result = await runSearch(backend, {...searchRequest(query, flags), onDownload: (n) => spinner?.update(`downloading: ${n} files`)})
    } finally {
      spinner?.stop()
    }
    if (!this.jsonEnabled()) {
      const {renderSearchResult, unindexedWarning} = await import('./render.js')
      if (result.unindexed > 0) this.warn(unindexedWarning(result.unindexed))
      if (flags.count) this.log(String(result.total))
      else this.print(renderSearchResult(result, this.layout))
    }
    if (result.download && result.download.failed.length > 0) this.failBatch()
    return result
  }

  /** `dsl` is the body itself when it starts with `{`, else the file holding it. */
  protected async dslSearchAndShow(dsl: string, limit: number): Promise<SearchResult> {
    const body = dsl.trimStart().startsWith('{') ? dsl : (await readInputFile(dsl, MAX_DSL_BYTES)).toString('utf8')
    const result = await runDslSearch(await this.backend(), body, limit)
    if (!this.jsonEnabled()) {
      const {renderSearchResult} = await import('./render.js')
      this.print(renderSearchResult(result, this.layout))
    }
    return result
  }
}
