// Writes docs/commands.md, the command reference, from the commands' own help (`npm run docs`).
// test/docs/command-reference.test.ts fails when the committed file differs from what this makes.
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {type Command, Config, Help} from '@oclif/core'

import {listCommands} from '../src/cli/command-list.js'

export const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const REFERENCE = path.join(PROJECT, 'docs', 'commands.md')

/** oclif's help as `--help` prints it, at a fixed width and without colours, so the file is the same on every machine. */
class ReferenceHelp extends Help {
  constructor(config: Config) {
    super(config, {maxWidth: 100, stripAnsi: true})
  }

  commandHelp(command: Command.Loadable): string {
    return this.formatCommand(command)
  }
}

export async function commandReference(): Promise<string> {
  const config = await Config.load(PROJECT)
  const help = new ReferenceHelp(config)
  const commands = listCommands(config)
  const anchor = (command: string) => `${config.bin}-${command}`.replaceAll(' ', '-')
  const sections = commands.map(({id, command, summary}) => {
    const loadable = config.findCommand(id)!
    return [`## ${config.bin} ${command}`, '', summary, '', '```text', help.commandHelp(loadable).trimEnd(), '```', ''].join('\n')
  })
  return [
    `# ${config.bin} command reference`,
    '',
    `Made from the commands' own \`--help\` by \`npm run docs\`: edit the commands, then run it. \`${config.bin} commands --json\``,
    'lists the same commands for tools.',
    '',
    '| command | what it does |',
    '| --- | --- |',
    ...commands.map(({command, summary}) => `| [\`${config.bin} ${command}\`](#${anchor(command)}) | ${summary.replaceAll('|', '\\|')} |`),
    '',
    ...sections,
  ].join('\n')
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(REFERENCE, await commandReference())
  process.stdout.write(`wrote ${path.relative(process.cwd(), REFERENCE)}\n`)
}
