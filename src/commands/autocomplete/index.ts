import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {type CompletionFiles, writeScripts} from '../../completion/install.js'
import {type Shell, SHELLS} from '../../completion/scripts.js'
import {setupLines, shellOf} from '../../completion/setup.js'
import {LabmeshError, toLabmeshError} from '../../errors.js'

export interface AutocompleteResult extends CompletionFiles {
  shell: Shell | null
  /** The lines to add to the shell's start-up (none with --refresh-cache). */
  setup: string[]
}

export default class Autocomplete extends LabmeshCommand<typeof Autocomplete> {
  static override summary =
    'Set up shell completion for bash, zsh or fish: commands, flags, and your profiles, tables, saved searches and converters.'
  static override description = `Writes the three shells' completion scripts into labmesh's cache folder and prints what to add to
your shell's start-up. Profiles, tables (db.table), saved searches and converters complete from a
small cache that labmesh refreshes as you use it: tables and saved searches at most once a minute,
and at once after the commands that add them; pressing Tab never runs labmesh. After an upgrade,
the first command rewrites the scripts.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> zsh',
    '<%= config.bin %> <%= command.id %> --refresh-cache',
  ]
  static override args = {
    shell: Args.string({description: 'The shell: bash, zsh or fish (default: the one $SHELL names).', options: [...SHELLS]}),
  }
  static override flags = {
    'refresh-cache': Flags.boolean({char: 'r', description: 'Rewrite the scripts and list the known values again; print no set-up.'}),
  }

  public async run(): Promise<AutocompleteResult> {
    const shell = (this.args.shell as Shell | undefined) ?? shellOf(process.env.SHELL) ?? null
    if (!shell && !this.flags['refresh-cache']) {
      throw new LabmeshError('USAGE', `cannot tell your shell from SHELL=${process.env.SHELL ?? ''}`, {
        suggestions: SHELLS.map((name) => `${this.config.bin} autocomplete ${name}`),
      })
    }
    const files = writeScripts(this.config)
    await this.converters()
    try {
      await this.backend()
    } catch (error) {
      this.warn(`the tables and saved searches of profile "${this.profile().name}" are not listed: ${toLabmeshError(error).message}`)
    }
    await this.refreshCompletion(true)
    const setup = shell && !this.flags['refresh-cache'] ? setupLines(shell, files) : []
    if (!this.jsonEnabled())
      this.log(setup.length > 0 ? setup.join('\n') : `Completion scripts and known values refreshed in ${files.dir}.`)
    return {shell, setup, ...files}
  }
}
