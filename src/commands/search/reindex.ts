import {LabmeshCommand} from '../../base-command.js'
import {createSpinner} from '../../output/spinner.js'
import {type ReindexResult, reindexSearch} from '../../search/reindex.js'

export default class SearchReindex extends LabmeshCommand<typeof SearchReindex> {
  static override summary = 'Rebuild the search index from the stored records.'
  static override description = `Ingest, convert and label changes keep the index up to date on their own; rebuild it after an upgrade
(files stored before search existed are not indexed until then) or to pick up a newer text extraction.
Searches keep working during the rebuild: each file's entry is replaced whole.`
  static override examples = ['<%= config.bin %> <%= command.id %>']

  public async run(): Promise<ReindexResult> {
    const backend = await this.backend()
    const spinner = createSpinner(this.interactive, 'reindexing')
    let result: ReindexResult
    try {
      result = await reindexSearch(backend, (done, total) => spinner.update(`reindexing: ${done}/${total} files`))
    } finally {
      spinner.stop()
    }
    if (!this.jsonEnabled()) {
      for (const f of result.failed)
        this.warn(`${f.sourcePath} (${f.fileId}): [${f.code}] ${f.message}; indexed without its document's words`)
      this.log(
        `Indexed ${result.indexed} file${result.indexed === 1 ? '' : 's'}; removed ${result.removed} entr${result.removed === 1 ? 'y' : 'ies'} of files no longer stored.`,
      )
    }
    if (result.failed.length > 0) this.failBatch()
    return result
  }
}
