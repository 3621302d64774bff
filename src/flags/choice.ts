import {Flags, type Interfaces} from '@oclif/core'

import {LabmeshError} from '../errors.js'

/**
 * A flag type taking one of a few words, matched whatever their case (`--category raw` is RAW)
 * and returned as spelled in `choices`. oclif's own `options` compare case-sensitively before
 * any parsing, so the choices are shown in the help value instead. Use it as
 * `choiceFlag(['RAW', 'ENGINEERED'])({description: ...})`.
 */
export function choiceFlag<const T extends string>(choices: readonly T[]) {
  const parse = async (input: string, _context: unknown, options: {name: string}): Promise<T> => {
    const found = choices.find((c) => c.toLowerCase() === input.toLowerCase())
    if (found !== undefined) return found
    throw new LabmeshError('USAGE', `--${options.name} "${input}" is not one of ${choices.join(', ')}`, {
      suggestions: [`--${options.name} ${choices[0]}`],
    })
  }
  // oclif cannot infer a flag type from a type parameter: the flag is made for strings and typed for T.
  return Flags.custom<string>({helpValue: choices.join('|'), parse}) as unknown as Interfaces.FlagDefinition<
    T,
    Interfaces.CustomOptions,
    {multiple: false; requiredOrDefaulted: false}
  >
}

/**
 * The choices of a flag made by choiceFlag, read back from its help value (`a|b|c`), for what
 * lists flags from the manifest (`labmesh commands`, shell completion), which keeps no parser.
 */
export function choicesOf(helpValue: unknown): string[] | undefined {
  if (typeof helpValue !== 'string' || !/^[\w.-]+(\|[\w.-]+)+$/.test(helpValue)) return undefined
  return helpValue.split('|')
}
