import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {ApiKey} from '../../backends/types.js'
import {keyStoreOf, revokeKey} from '../../keys/keys.js'

export default class KeysRevoke extends LabmeshCommand<typeof KeysRevoke> {
  static override summary = 'Revoke an API key: the server refuses it from the next request on.'
  static override examples = ['<%= config.bin %> <%= command.id %> 3f2a9c1e']
  static override args = {
    id: Args.string({description: 'The key id (or a unique prefix of at least 4 characters).', required: true}),
  }

  public async run(): Promise<ApiKey> {
    const key = await revokeKey(keyStoreOf(await this.backend()), this.args.id)
    if (!this.jsonEnabled()) this.log(`API key ${key.keyId} (${key.name}) revoked at ${key.revokedAt}.`)
    return key
  }
}
