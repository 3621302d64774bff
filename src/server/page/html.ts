/** Server-rendered HTML: every value goes through `esc`; `raw` marks markup built from escaped parts. */

export class Html {
  constructor(readonly text: string) {}
}

export const raw = (text: string): Html => new Html(text)

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!)
}

/** A template tag: interpolated values are escaped unless they are Html (or lists of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]
  })
  return new Html(out)
}

function render(value: unknown): string {
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  if (value === undefined || value === null || value === false) return ''
  return esc(value)
}

/** A search snippet: matches arrive between « and » (src/search/highlight.ts) and become <mark>. */
export function snippetHtml(snippet: string): Html {
  return raw(esc(snippet).replaceAll('«', '<mark>').replaceAll('»', '</mark>'))
}
