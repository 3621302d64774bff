import {LabmeshError} from '../errors.js'
import type {Label} from '../backends/types.js'

/** Parses `name=value` arguments (labels, metadata); the value may itself contain "=". */
export function parseKeyValues(items: string[] | undefined, what: string): Label[] {
  return (items ?? []).map((item) => {
    const at = item.indexOf('=')
    const name = at > 0 ? item.slice(0, at).trim() : ''
    if (!name || !/^[\w.\- ]+$/.test(name)) {
      throw new LabmeshError('USAGE', `${what} "${item}" is not name=value (names: letters, digits, _ . - and spaces)`, {
        suggestions: [`example: --${what} project=alpha`],
      })
    }
    return {name, value: item.slice(at + 1).trim()}
  })
}

export function toRecord(pairs: Label[]): Record<string, string> {
  return Object.fromEntries(pairs.map((p) => [p.name, p.value]))
}
