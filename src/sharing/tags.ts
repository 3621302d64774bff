import {LabmeshError} from '../errors.js'

/**
 * Tags on databases and tables (LF-Tags on AWS): one value per key on a resource; a table
 * carries its database's tags unless it has its own value for the key. A tag expression selects
 * tables: every key must match, with any of its values (Lake Formation's LFTagPolicy).
 */

export interface Tag {
  key: string
  value: string
}

export type TagExpression = {key: string; values: string[]}[]

const KEY = /^[\w.:/+@-]{1,128}$/
const VALUE = /^[\w.:/+@ -]{1,256}$/

function checkTag(key: string, value: string, text: string): void {
  if (!KEY.test(key))
    throw new LabmeshError('INVALID_INPUT', `"${key}" in "${text}" is not a tag key (letters, digits and _ . : / + @ -)`, {subject: text})
  if (!VALUE.test(value))
    throw new LabmeshError('INVALID_INPUT', `"${value}" in "${text}" is not a tag value (letters, digits, spaces and _ . : / + @ -)`, {
      subject: text,
    })
}

/** `domain=assay` as a tag. */
export function parseTag(text: string): Tag {
  const at = text.indexOf('=')
  if (at <= 0) throw new LabmeshError('USAGE', `"${text}" is not a tag: write key=value`, {subject: text, suggestions: ['domain=assay']})
  const tag = {key: text.slice(0, at).trim(), value: text.slice(at + 1).trim()}
  checkTag(tag.key, tag.value, text)
  return tag
}

/** `--tag domain=assay --tag site=boston,cambridge` as an expression. */
export function parseTagExpression(items: string[]): TagExpression {
  const expression: TagExpression = []
  for (const item of items) {
    const at = item.indexOf('=')
    if (at <= 0) throw new LabmeshError('USAGE', `"${item}" is not a tag condition: write key=value or key=value1,value2`, {subject: item})
    const key = item.slice(0, at).trim()
    const values = item
      .slice(at + 1)
      .split(',')
      .map((v) => v.trim())
    for (const value of values) checkTag(key, value, item)
    expression.push({key, values})
  }
  return normalizeTagExpression(expression)
}

/** Keys sorted, values sorted and unique; the same key twice is refused (it could never match). */
export function normalizeTagExpression(expression: TagExpression): TagExpression {
  if (expression.length === 0) throw new LabmeshError('INVALID_INPUT', 'a tag expression needs at least one key=value')
  const seen = new Set<string>()
  for (const {key, values} of expression) {
    if (seen.has(key)) throw new LabmeshError('INVALID_INPUT', `tag key "${key}" appears twice: give its values once, as ${key}=a,b`)
    seen.add(key)
    if (values.length === 0) throw new LabmeshError('INVALID_INPUT', `tag key "${key}" has no values`)
    for (const value of values) checkTag(key, value, `${key}=${value}`)
  }
  return expression
    .map(({key, values}) => ({key, values: [...new Set(values)].sort()}))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

export function formatTagExpression(expression: TagExpression): string {
  return expression.map(({key, values}) => `${key}=${values.join(',')}`).join(' and ')
}

/** A table's tags: its database's, overridden key by key by its own. */
export function effectiveTags(databaseTags: Tag[], tableTags: Tag[]): Map<string, string> {
  return new Map([...databaseTags, ...tableTags].map((t) => [t.key, t.value]))
}

/** A table's effective tags, from every tagged resource (GrantStore.listTags). */
export function tableTags(
  tagged: {resource: {database: string; table?: string}; tags: Tag[]}[],
  table: {database: string; table: string},
): Map<string, string> {
  const of = (name: string): Tag[] =>
    tagged.find((t) => t.resource.database === table.database && (t.resource.table ?? '') === name)?.tags ?? []
  return effectiveTags(of(''), of(table.table))
}

export function matchesTags(expression: TagExpression, tags: Map<string, string>): boolean {
  return expression.every(({key, values}) => values.includes(tags.get(key) ?? '\0'))
}
