import {Args} from '@oclif/core'

import type {Completions} from '../../completion/sources.js'
import {LabmeshError} from '../../errors.js'
import {searchFlags} from '../../search/flags.js'
import {savedSearchesOf, type SearchResult} from '../../search/run-search.js'
import {SearchingCommand} from '../../search/search-command.js'

export default class SearchRun extends SearchingCommand<typeof SearchRun> {
  static override completions: Completions = {...SearchingCommand.completions, name: 'searches'}
  static override summary = 'Run a saved search.'
  static override description = 'Runs the query saved under a name, with the same flags as `labmesh search`.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> boston-elisa',
    '<%= config.bin %> <%= command.id %> boston-elisa --count --json',
  ]
  static override args = {
    name: Args.string({description: 'Name of the saved search (see `labmesh search list`).', required: true}),
  }
  static override flags = searchFlags

  public async run(): Promise<SearchResult & {name: string}> {
    const saved = await savedSearchesOf(await this.backend()).get(this.args.name)
    if (!saved) {
      throw new LabmeshError('NOT_FOUND', `no saved search named "${this.args.name}"`, {
        subject: this.args.name,
        suggestions: ['see them with `labmesh search list`'],
      })
    }
    return {name: saved.name, ...(await this.searchAndShow(saved.query, this.flags))}
  }
}
