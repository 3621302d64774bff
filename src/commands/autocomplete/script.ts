import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {scriptFor} from '../../completion/install.js'
import {type Shell, SHELLS} from '../../completion/scripts.js'

export default class AutocompleteScript extends LabmeshCommand<typeof AutocompleteScript> {
  static override summary = "Print a shell's completion script (to package it, or to load it yourself)."
  static override description = `The script \`labmesh autocomplete\` writes, on stdout. It completes known values from the cache that
\`labmesh autocomplete\` creates; without it, commands and flags still complete.`
  static override examples = ['<%= config.bin %> <%= command.id %> bash > labmesh.bash', '<%= config.bin %> <%= command.id %> zsh --json']
  static override args = {
    shell: Args.string({description: 'bash, zsh or fish.', options: [...SHELLS], required: true}),
  }

  public async run(): Promise<{shell: Shell; script: string}> {
    const shell = this.args.shell as Shell
    const script = scriptFor(this.config, shell)
    if (!this.jsonEnabled()) process.stdout.write(script)
    return {shell, script}
  }
}
