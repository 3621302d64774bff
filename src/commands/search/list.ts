import {LabmeshCommand} from '../../base-command.js'
import type {SavedSearch} from '../../backends/types.js'
import {renderSavedSearches} from '../../search/render.js'
import {savedSearchesOf} from '../../search/run-search.js'

export default class SearchList extends LabmeshCommand<typeof SearchList> {
  static override summary = 'List the saved searches.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<{searches: SavedSearch[]}> {
    const searches = await savedSearchesOf(await this.backend()).list()
    if (!this.jsonEnabled()) this.log(renderSavedSearches(searches))
    return {searches}
  }
}
