import {LabmeshCommand} from '../base-command.js'
import {type CommandInfo, listCommands} from '../cli/command-list.js'
import {renderTable} from '../output/table.js'

export default class Commands extends LabmeshCommand<typeof Commands> {
  static override summary = 'List every command with what it does; --json adds arguments, flags and examples for tools.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<{commands: CommandInfo[]}> {
    const commands = listCommands(this.config)
    if (!this.jsonEnabled())
      this.log(
        renderTable(
          ['command', 'summary'],
          commands.map((c) => [`${this.config.bin} ${c.command}`, c.summary]),
        ),
      )
    return {commands}
  }
}
