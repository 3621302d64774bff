import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {API_SCOPES} from '../../backends/types.js'
import {durationFlag} from '../../flags/duration.js'
import {createKey, type IssuedKey, keyStoreOf} from '../../keys/keys.js'
import {renderIssuedKey} from '../../keys/render.js'

export default class KeysCreate extends LabmeshCommand<typeof KeysCreate> {
  static override summary = 'Create an API key for `labmesh serve`; its secret is shown once.'
  static override description = `The key has the form lmk_<id>_<secret>, so secret scanners recognise it; labmesh stores only a salted
scrypt hash of the secret. Scopes: ${API_SCOPES.join(', ')} (admin holds them all). --tables names the tables
/v1/query may read (db.table or db.*): the key is the principal key:<id>.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --name eln-sync --scope files:read --scope search',
    "<%= config.bin %> <%= command.id %> --name partner-acme --scope query --tables 'lab.plate_reader,lab.files' --expires 90d",
    '<%= config.bin %> <%= command.id %> --name uploader --scope files:write --json',
  ]
  static override flags = {
    name: Flags.string({description: 'Who or what the key is for (shown in `keys list` and the access log).', required: true}),
    scope: Flags.string({
      description: `What the key may do (repeatable or comma-separated): ${API_SCOPES.join(', ')}.`,
      required: true,
      multiple: true,
    }),
    tables: Flags.string({
      description: 'Tables /v1/query may read: db.table or db.* (repeatable or comma-separated). Default: none.',
      multiple: true,
    }),
    expires: durationFlag({description: 'Valid for this long (30d, 12h, 2w); default: until revoked.'}),
  }

  public async run(): Promise<IssuedKey> {
    const issued = await createKey(keyStoreOf(await this.backend()), {
      name: this.flags.name,
      scopes: this.flags.scope,
      tables: this.flags.tables,
      expiresInMs: this.flags.expires,
    })
    if (!this.jsonEnabled()) this.log(renderIssuedKey(issued, 'created'))
    return issued
  }
}
