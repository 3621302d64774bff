import {Help} from '@oclif/core'

/**
 * oclif's help, except that `labmesh help help` and `labmesh help --help` show the help command's
 * own help: oclif skips the word `help` when it looks for the subject, and so showed the root help.
 */
export default class LabmeshHelp extends Help {
  public override async showHelp(argv: string[]): Promise<void> {
    const words = argv.filter((arg) => arg !== '--help' && arg !== '-h')
    const helpCommand = this.config.findCommand('help')
    if (words.length === 1 && words[0] === 'help' && helpCommand) return this.showCommandHelp(helpCommand)
    return super.showHelp(argv)
  }
}
