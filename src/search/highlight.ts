/** Marks around matched words in snippets: plain text in --json, rare in lab data. */
export const SNIPPET_MARKS = {open: '«', close: '»'} as const

/** A snippet for a terminal: the marks become bold yellow, or stay as they are when piped. */
export function highlightForTerminal(snippet: string, colour: boolean): string {
  if (!colour) return snippet
  return snippet.replaceAll(SNIPPET_MARKS.open, '\u001B[1;33m').replaceAll(SNIPPET_MARKS.close, '\u001B[22;39m')
}
