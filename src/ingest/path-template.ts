import {LabmeshError} from '../errors.js'

/**
 * Path templates name metadata in a path: `{project}/{instrument}/{sample}_{date:YYYY-MM-DD}.csv`.
 * `{name}` matches within one path segment, `{name:FORMAT}` matches a date/time written in FORMAT
 * (YYYY, YY, MM, DD, HH, mm, ss) and yields it in ISO form, `*` matches within a segment and
 * `**` any number of segments.
 */
export interface PathTemplate {
  source: string
  fields: string[]
  match(relativePath: string): Record<string, string> | undefined
}

/** Date tokens and their widths; longest first so YYYY wins over YY. */
const DATE_TOKENS: Record<string, number> = {YYYY: 4, YY: 2, MM: 2, DD: 2, HH: 2, mm: 2, ss: 2}
const FIELD_NAME = /^[A-Za-z_][\w.-]*$/

export function parsePathTemplate(source: string): PathTemplate {
  const fields: string[] = []
  const formats = new Map<string, string>()
  let pattern = ''
  let i = 0
  while (i < source.length) {
    const ch = source[i]
    if (ch === '{') {
      const end = source.indexOf('}', i)
      if (end === -1) throw templateError(source, i, 'a "{" is never closed')
      const [name, format] = source.slice(i + 1, end).split(':', 2)
      if (!FIELD_NAME.test(name)) throw templateError(source, i, `"${name}" is not a field name (letters, digits, _ . -)`)
      if (fields.includes(name)) throw templateError(source, i, `field "${name}" appears twice`)
      fields.push(name)
      const group = `f${fields.length - 1}`
      if (format) {
        formats.set(group, format)
        pattern += `(?<${group}>${formatPattern(source, i, format)})`
      } else {
        pattern += `(?<${group}>[^/]+?)`
      }
      i = end + 1
    } else if (ch === '*') {
      if (source[i + 1] === '*') {
        pattern += source[i + 2] === '/' ? '(?:.*/)?' : '.*'
        i += source[i + 2] === '/' ? 3 : 2
      } else {
        pattern += '[^/]*'
        i++
      }
    } else if (ch === '}') {
      throw templateError(source, i, 'a "}" has no opening "{"')
    } else {
      pattern += ch.replace(/[.+?^$()|[\]\\]/g, '\\$&')
      i++
    }
  }
  const regex = new RegExp(`^${pattern}$`)
  return {
    source,
    fields,
    match(relativePath: string) {
      const m = regex.exec(relativePath.split('\\').join('/'))
      if (!m?.groups) return m ? {} : undefined
      const out: Record<string, string> = {}
      for (const [index, name] of fields.entries()) {
        const group = `f${index}`
        const raw = m.groups[group]
        const format = formats.get(group)
        if (format) {
          const iso = toIso(format, raw)
          if (!iso) return undefined
          out[name] = iso
        } else {
          out[name] = raw
        }
      }
      return out
    },
  }
}

function formatPattern(source: string, at: number, format: string): string {
  let out = ''
  let rest = format
  while (rest.length > 0) {
    const token = Object.keys(DATE_TOKENS).find((t) => rest.startsWith(t))
    if (token) {
      out += `\\d{${DATE_TOKENS[token]}}`
      rest = rest.slice(token.length)
    } else if (/[A-Za-z]/.test(rest[0])) {
      throw templateError(source, at, `unknown date token in "${format}" (use YYYY, YY, MM, DD, HH, mm, ss)`)
    } else {
      out += rest[0].replace(/[.+?^$()|[\]\\*{}]/g, '\\$&')
      rest = rest.slice(1)
    }
  }
  return out
}

/** Reads a matched date in FORMAT and writes it as ISO 8601, or undefined when it is no real date. */
function toIso(format: string, raw: string): string | undefined {
  const parts: Record<string, number> = {}
  let position = 0
  let rest = format
  while (rest.length > 0) {
    const token = Object.keys(DATE_TOKENS).find((t) => rest.startsWith(t))
    const width = token ? token.length : 1
    if (token) parts[token] = Number(raw.slice(position, position + width))
    position += width
    rest = rest.slice(width)
  }
  const year = parts.YYYY ?? (parts.YY === undefined ? undefined : 2000 + parts.YY)
  const month = parts.MM ?? 1
  const day = parts.DD ?? 1
  if (year === undefined) return undefined
  const date = new Date(Date.UTC(year, month - 1, day, parts.HH ?? 0, parts.mm ?? 0, parts.ss ?? 0))
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || (parts.HH ?? 0) > 23 || (parts.mm ?? 0) > 59 || (parts.ss ?? 0) > 59)
    return undefined
  const iso = date.toISOString()
  return parts.HH === undefined ? iso.slice(0, 10) : iso.replace('.000Z', 'Z')
}

function templateError(source: string, at: number, problem: string): LabmeshError {
  return new LabmeshError('INVALID_INPUT', `bad path template at position ${at + 1}: ${problem}\n  ${source}\n  ${' '.repeat(at)}^`, {
    suggestions: ['example: {project}/{instrument}/{sample}_{date:YYYY-MM-DD}.csv'],
  })
}
