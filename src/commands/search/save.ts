import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {SavedSearch} from '../../backends/types.js'
import type {Completions} from '../../completion/sources.js'
import {LabmeshError} from '../../errors.js'
import {parseQuery} from '../../search/parser.js'
import {savedSearchesOf} from '../../search/run-search.js'

const NAME = /^[A-Za-z0-9][\w.-]{0,63}$/

export default class SearchSave extends LabmeshCommand<typeof SearchSave> {
  static override completions: Completions = {name: 'searches'}
  static override changesKnownValues = true
  static override summary = 'Save a query under a name, to run it again with `labmesh search run`.'
  static override examples = [
    "<%= config.bin %> <%= command.id %> boston-elisa 'label.site:boston assay:elisa'",
    "<%= config.bin %> <%= command.id %> recent-envision 'instrument:envision time>=2024-06-01' --force",
  ]
  static override args = {
    name: Args.string({description: 'Name: letters, digits, _ . - (up to 64).', required: true}),
    query: Args.string({description: 'The query, in the syntax of `labmesh search`.', required: true}),
  }
  static override flags = {
    force: Flags.boolean({description: 'Replace a saved search of the same name.'}),
  }

  public async run(): Promise<SavedSearch> {
    if (!NAME.test(this.args.name)) {
      throw new LabmeshError('INVALID_INPUT', `"${this.args.name}" is not a saved search name`, {
        suggestions: ['use letters, digits, _ . - (up to 64), starting with a letter or digit'],
      })
    }
    // A query that does not parse is refused now, not when it is run.
    parseQuery(this.args.query)
    const saved = await savedSearchesOf(await this.backend()).save(this.args.name, this.args.query, {replace: this.flags.force})
    if (!this.jsonEnabled()) this.log(`Saved "${saved.name}": ${saved.query}\nRun it with \`labmesh search run ${saved.name}\`.`)
    return saved
  }
}
