import {type Hook, loadHelpClass} from '@oclif/core'

import {closestCommand, type Suggestion} from '../cli/suggest.js'
import {formatError, LabmeshError} from '../errors.js'

/** How long the question waits on a terminal before taking it as a no. */
const ANSWER_TIMEOUT_MS = 30_000

/**
 * `labmesh quer` or `labmesh catalg list`: names the closest command or topic. On a terminal it
 * asks, then runs the command (or lists the topic's commands); in scripts and CI it fails with
 * USAGE (exit 2) naming the suggestion, under --json as the usual `{"error": ...}` document.
 */
const hook: Hook.CommandNotFound = async function ({argv = [], config, id}) {
  const visible = config.commands.filter((command) => !command.hidden)
  const suggestion = closestCommand(
    id,
    [...visible.map((command) => command.id), ...visible.flatMap((command) => command.aliases)],
    config.topics.filter((topic) => !topic.hidden).map((topic) => topic.name),
  )
  const typed = id.split(':')
  const json = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : undefined).includes('--json')
  const meant = suggestion && [config.bin, ...suggestion.id.split(':'), ...suggestion.rest, ...argv].map(shellWord).join(' ')
  const shown = suggestion ? typed.slice(0, typed.length - suggestion.rest.length) : typed
  if (
    meant &&
    !json &&
    process.stdin.isTTY &&
    process.stderr.isTTY &&
    (await confirmed(`"${shown.join(' ')}" is not a ${config.bin} command. Run ${meant}?`))
  ) {
    return run(config, suggestion!, argv)
  }
  const error = new LabmeshError(
    'USAGE',
    `"${shown.join(' ')}" is not a ${config.bin} command${suggestion ? `; did you mean "${suggestion.id.replaceAll(':', ' ')}"?` : ''}`,
    {suggestions: [...(meant ? [meant] : []), `${config.bin} commands (lists every command)`]},
  )
  process.exitCode = error.exitCode
  if (json) process.stdout.write(JSON.stringify({error: error.toJSON()}, null, 2) + '\n')
  else process.stderr.write(formatError(error) + '\n')
}

async function confirmed(message: string): Promise<boolean> {
  const {confirm} = await import('@inquirer/prompts')
  // On stderr, so that what the command then prints on stdout is all that a pipe gets.
  return confirm({message, default: true}, {output: process.stderr, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS)}).catch(() => false)
}

async function run(config: Parameters<Hook.CommandNotFound>[0]['config'], suggestion: Suggestion, argv: string[]): Promise<unknown> {
  if (suggestion.kind === 'command') return config.runCommand(suggestion.id, [...suggestion.rest, ...argv])
  const Help = await loadHelpClass(config)
  return new Help(config).showHelp([suggestion.id])
}

/** A word as it would be typed in a POSIX shell. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

export default hook
