import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {durationFlag} from '../../flags/duration.js'
import {type IssuedKey, keyStoreOf, rotateKey} from '../../keys/keys.js'
import {renderIssuedKey} from '../../keys/render.js'

export default class KeysRotate extends LabmeshCommand<typeof KeysRotate> {
  static override summary = 'Give an API key a new secret, shown once; the old one keeps working for a grace period.'
  static override description = `The key keeps its id, name, scopes and tables. Roll the new secret out to its users within the grace period
(default 24h); after it, only the new secret works.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 3f2a9c1e',
    '<%= config.bin %> <%= command.id %> 3f2a9c1e --grace 1h --json',
  ]
  static override args = {
    id: Args.string({description: 'The key id (or a unique prefix of at least 4 characters).', required: true}),
  }
  static override flags = {
    grace: durationFlag({description: 'How long the old secret keeps working (0s: not at all).', default: 24 * 3600 * 1000}),
  }

  public async run(): Promise<IssuedKey> {
    const issued = await rotateKey(keyStoreOf(await this.backend()), this.args.id, this.flags.grace)
    if (!this.jsonEnabled()) this.log(renderIssuedKey(issued, 'rotated'))
    return issued
  }
}
