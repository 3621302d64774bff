import {LabmeshCommand} from '../../base-command.js'
import type {ApiKey} from '../../backends/types.js'
import {wideFlag} from '../../flags/wide.js'
import {type KeyState, keyState, keyStoreOf} from '../../keys/keys.js'
import {renderKeys} from '../../keys/render.js'

export default class KeysList extends LabmeshCommand<typeof KeysList> {
  static override summary = 'List the API keys: id, name, scopes, tables, created, expires, last used and state.'
  static override description =
    'Secrets are never shown again: labmesh keeps only their hashes. A table on a terminal, tab-separated rows with a header down a pipe.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {...wideFlag}

  public async run(): Promise<{keys: (ApiKey & {state: KeyState})[]}> {
    const now = new Date()
    const keys = await keyStoreOf(await this.backend()).list()
    if (!this.jsonEnabled())
      this.printListing(
        keys.length,
        () => renderKeys(keys, this.layout, now),
        'No API keys. Create one with `labmesh keys create --name NAME --scope search`.',
      )
    return {keys: keys.map((k) => ({...k, state: keyState(k, now)}))}
  }
}
