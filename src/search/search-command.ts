import type {Command} from '@oclif/core'

import {LabmeshCommand} from '../base-command.js'
import {createSpinner} from '../output/spinner.js'
import {type SearchFlagValues, searchRequest} from './flags.js'
import {renderSearchResult, unindexedWarning} from './render.js'
import {runSearch, type SearchResult} from './run-search.js'

/** What `search` and `search run` share: run a query with the search flags and show the result. */
export abstract class SearchingCommand<T extends typeof Command> extends LabmeshCommand<T> {
  protected async searchAndShow(query: string, flags: SearchFlagValues): Promise<SearchResult> {
    const backend = await this.backend()
    const spinner = createSpinner(this.interactive && Boolean(flags.download), 'downloading')
    let result: SearchResult
    try {
      result = await runSearch(backend, {...searchRequest(query, flags), onDownload: (n) => spinner.update(`downloading: ${n} files`)})
    } finally {
      spinner.stop()
    }
    if (!this.jsonEnabled()) {
      if (result.unindexed > 0) this.logToStderr(unindexedWarning(result.unindexed))
      this.log(flags.count ? String(result.total) : renderSearchResult(result, this.interactive))
    }
    if (result.download && result.download.failed.length > 0) this.failBatch()
    return result
  }
}
