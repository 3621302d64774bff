import {terminalWidth, useColour} from './terminal.js'

/**
 * How listings are written (docs/conventions.md, "Output"): on a terminal, a box table fitted to
 * its width, long cells cut with an ellipsis unless --wide; down a pipe, tab-separated rows under
 * a header line, no box drawing and no colour.
 */
export interface TableLayout {
  kind: 'box' | 'tsv'
  /** Columns a box table must fit in; undefined: as wide as its content (--wide). */
  width?: number
  colour: boolean
}

export function tableLayout(options: {wide?: boolean} = {}, stream = process.stdout): TableLayout {
  const width = terminalWidth(stream)
  if (width === undefined) return {kind: 'tsv', colour: false}
  return {kind: 'box', width: options.wide ? undefined : width, colour: useColour(stream)}
}
