import type {CommandInfo} from '../cli/command-list.js'
import type {CompletionSource} from './sources.js'

export interface TopicInfo {
  /** As typed: `catalog`. */
  name: string
  description: string
}

/**
 * The commands as the completion engine (engine.ts) reads them, one tab-separated record a line:
 *   C  command  summary
 *   T  topic  description
 *   F  command  flag  char  takes-a-value  source  repeatable  description
 *   A  command  position  source  repeats  description
 * where a source is `=a|b|c` (the flag's options), `@tables` and the like (known-values.ts),
 * `@files`, `@dirs`, or empty (nothing to offer); booleans are `1` or empty.
 */
export function completionSpec(commands: CommandInfo[], topics: TopicInfo[]): string {
  const lines: string[][] = []
  for (const command of commands) lines.push(['C', command.command, command.summary])
  for (const topic of topics) lines.push(['T', topic.name, topic.description])
  for (const command of commands) {
    for (const flag of command.flags) {
      const takesValue = flag.type === 'option'
      const source = takesValue ? sourceOf(command.completions[flag.name], flag.options) : ''
      lines.push([
        'F',
        command.command,
        flag.name,
        flag.char ?? '',
        takesValue ? '1' : '',
        source,
        flag.multiple ? '1' : '',
        flag.description,
      ])
    }
    command.args.forEach((arg, index) => {
      const repeats = command.variadic && index === command.args.length - 1
      lines.push([
        'A',
        command.command,
        String(index + 1),
        sourceOf(command.completions[arg.name], arg.options),
        repeats ? '1' : '',
        arg.description,
      ])
    })
  }
  return lines.map((fields) => fields.map(oneLine).join('\t')).join('\n')
}

function sourceOf(source: CompletionSource | undefined, options: string[] | undefined): string {
  if (source) return `@${source}`
  return options ? `=${options.join('|')}` : ''
}

/** A field on one line: no tabs or line breaks, and short enough to read beside a candidate. */
function oneLine(text: string): string {
  const line = text.split('\n')[0].replaceAll(/\s+/g, ' ').trim()
  return line.length > 100 ? `${line.slice(0, 99)}…` : line
}
