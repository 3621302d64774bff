import {Args, Command, Flags, loadHelpClass} from '@oclif/core'

export default class HelpCommand extends Command {
  static override summary = 'Show help for labmesh, a topic or a command.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> catalog',
    '<%= config.bin %> <%= command.id %> query',
    '<%= config.bin %> <%= command.id %> --nested-commands',
  ]
  static override args = {
    command: Args.string({description: 'The topic or command, words apart (catalog describe).'}),
  }
  static override flags = {
    'nested-commands': Flags.boolean({char: 'n', description: 'List the commands of every topic, not only the topics.'}),
  }
  static override strict = false

  public async run(): Promise<void> {
    const {argv, flags} = await this.parse(HelpCommand)
    const Help = await loadHelpClass(this.config)
    await new Help(this.config, {all: flags['nested-commands']}).showHelp(argv as string[])
  }
}
