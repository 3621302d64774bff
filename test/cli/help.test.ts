import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {type Command, Config, Flags, Parser} from '@oclif/core'
import {expect} from 'chai'

import {listCommands} from '../../src/cli/command-list.js'
import {TestWorkspace} from '../support/cli.js'

// Real: the built commands as oclif loads them from the manifest and dist/, and the built CLI for --help.
const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

describe('help and examples of every command', function () {
  this.timeout(300_000)
  let config: Config
  const workspace = new TestWorkspace()

  before(async () => {
    config = await Config.load(PROJECT)
  })
  after(() => workspace.remove())

  it('lists at least the commands of every topic, each with a summary and examples', () => {
    const commands = listCommands(config)
    expect(commands.map((c) => c.command)).to.include.members(['query', 'catalog describe', 'commands', 'version', 'autocomplete'])
    for (const command of commands) {
      expect(command.summary, command.command).to.not.equal('')
      expect(command.examples, `${command.command} has no examples`).to.not.be.empty
    }
  })

  it('parses every example with the flags and arguments of the command it runs', async () => {
    const ids = new Set(listCommands(config).map((c) => c.command))
    for (const info of listCommands(config)) {
      for (const example of info.examples) {
        const words = shellWords(example)
        expect(words[0], example).to.equal(config.bin)
        // The longest run of words that names a command: an example may show a related command (`catalog connect redshift`).
        let length = words.length
        while (length > 1 && !ids.has(words.slice(1, length).join(' '))) length--
        expect(length, `${example} runs no command`).to.be.greaterThan(1)
        const command = await config.findCommand(words.slice(1, length).join(':'))!.load()
        try {
          await Parser.parse(words.slice(length), parserOptions(command))
        } catch (error) {
          expect.fail(`${example}: ${(error as Error).message}`)
        }
      }
    }
  })

  it('refuses an example with a flag its command does not have (the check above can fail)', async () => {
    const command = await config.findCommand('query')!.load()
    let failure: unknown
    await Parser.parse(['SELECT 1', '--no-such-flag'], parserOptions(command)).catch((error: unknown) => (failure = error))
    expect(failure).to.be.instanceOf(Error)
  })

  it('renders --help of every command from the built CLI, with its usage and examples', async () => {
    const commands = listCommands(config)
    // One process per command is slow on a busy machine: a few at a time.
    for (let i = 0; i < commands.length; i += 4) {
      const results = await Promise.all(commands.slice(i, i + 4).map((c) => workspace.run([...c.command.split(' '), '--help'])))
      results.forEach((result, j) => {
        const {command, examples} = commands[i + j]
        expect(result.code, `${command} --help: ${result.stderr}`).to.equal(0)
        expect(result.stdout, command).to.contain('USAGE').and.to.contain(`$ ${config.bin} ${command}`)
        expect(result.stdout, command).to.contain('EXAMPLES')
        for (const example of examples) expect(result.stdout, command).to.contain(example.split('\n')[0])
      })
    }
  })
})

function parserOptions(command: Command.Class): Parameters<typeof Parser.parse>[1] {
  // As Command#parse puts them together: the base flags, --json when enabled, the command's own.
  return {
    flags: {...command.baseFlags, ...(command.enableJsonFlag ? {json: Flags.boolean()} : {}), ...command.flags},
    args: command.args ?? {},
    strict: command.strict ?? true,
  }
}

/** An example as a POSIX shell splits it, up to a redirection or pipe (which the shell, not labmesh, handles). */
function shellWords(line: string): string[] {
  const words: string[] = []
  let word: string | undefined
  let quote: string | undefined
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = undefined
      else word = (word ?? '') + char
    } else if (char === '"' || char === "'") {
      quote = char
      word ??= ''
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if ('>|<;&'.includes(char)) {
      break
    } else {
      word = (word ?? '') + char
    }
  }
  if (word !== undefined && !quote) words.push(word)
  return words
}
