import type {Command, Config} from '@oclif/core'

import {type Completions, GLOBAL_COMPLETIONS} from '../completion/sources.js'
import {choicesOf} from '../flags/choice.js'

export interface ArgumentInfo {
  name: string
  description: string
  required: boolean
  options?: string[]
}

export interface FlagInfo {
  name: string
  char?: string
  /** `boolean` flags take no value; `option` flags take one (several when `multiple`). */
  type: 'boolean' | 'option'
  description: string
  required: boolean
  multiple: boolean
  options?: string[]
  default?: unknown
}

export interface CommandInfo {
  /** As typed: `catalog describe`. */
  command: string
  /** oclif's id: `catalog:describe`. */
  id: string
  summary: string
  description?: string
  aliases: string[]
  args: ArgumentInfo[]
  /** True when the last argument repeats (`ingest PATH...`). */
  variadic: boolean
  flags: FlagInfo[]
  /** As the help prints them, with the binary and command filled in. */
  examples: string[]
  /** Where the shell completes each argument's and flag's values from. */
  completions: Completions
}

/**
 * Every visible command, sorted, from the loaded manifests (no command module is imported): what
 * `labmesh commands` lists, the command reference is made of and shell completion knows.
 */
export function listCommands(config: Config): CommandInfo[] {
  return config.commands
    .filter((command) => !command.hidden)
    .map((command) => describeCommand(config, command))
    .sort((a, b) => a.command.localeCompare(b.command))
}

function describeCommand(config: Config, command: Command.Loadable): CommandInfo {
  const spaced = command.id.replaceAll(':', ' ')
  const render = (text: string) => text.replaceAll('<%= config.bin %>', config.bin).replaceAll('<%= command.id %>', spaced)
  const description = command.description ? render(command.description) : undefined
  return {
    command: spaced,
    id: command.id,
    summary: render(command.summary ?? description?.split('\n')[0] ?? ''),
    ...(description ? {description} : {}),
    aliases: command.aliases.map((alias) => alias.replaceAll(':', ' ')),
    args: Object.values(command.args)
      .filter((arg) => !arg.hidden)
      .map((arg) => ({
        name: arg.name,
        description: arg.description ?? '',
        required: Boolean(arg.required),
        ...(arg.options ? {options: [...arg.options]} : {}),
      })),
    variadic: command.strict === false || Object.values(command.args).some((arg) => arg.multiple),
    flags: Object.values(command.flags)
      .filter((flag) => !flag.hidden)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((flag) => ({
        name: flag.name,
        ...(flag.char ? {char: flag.char} : {}),
        type: flag.type,
        description: render(flag.summary ?? flag.description ?? ''),
        required: Boolean(flag.required),
        multiple: flag.type === 'option' && Boolean(flag.multiple),
        ...optionsOf(flag),
        ...(flag.type === 'option' && flag.default !== undefined ? {default: flag.default} : {}),
      })),
    examples: (command.examples ?? []).map((example) => render(typeof example === 'string' ? example : example.command)),
    completions: {...GLOBAL_COMPLETIONS, ...((command.completions as Completions | undefined) ?? {})},
  }
}

/** The values an option flag takes: oclif's `options`, or the choices of a case-insensitive choiceFlag. */
function optionsOf(flag: Command.Flag.Cached): {options?: string[]} {
  if (flag.type !== 'option') return {}
  const options = flag.options ?? choicesOf(flag.helpValue)
  return options ? {options: [...options]} : {}
}
