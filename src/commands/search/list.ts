import {LabmeshCommand} from '../../base-command.js'
import type {SavedSearch} from '../../backends/types.js'
import {wideFlag} from '../../flags/wide.js'
import {renderSavedSearches} from '../../search/render.js'
import {savedSearchesOf} from '../../search/run-search.js'

export default class SearchList extends LabmeshCommand<typeof SearchList> {
  static override summary = 'List the saved searches.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {...wideFlag}

  public async run(): Promise<{searches: SavedSearch[]}> {
    const searches = await savedSearchesOf(await this.backend()).list()
    this.printListing(
      searches.length,
      () => renderSavedSearches(searches, this.layout),
      "No saved searches. Save one with `labmesh search save <name> '<query>'`.",
    )
    return {searches}
  }
}
