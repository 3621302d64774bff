/** What labmesh needs to know about a stream to decide how to write to it. */
export interface StreamInfo {
  isTTY?: boolean
  columns?: number
}

/** Width when a terminal does not tell its own (it reports 0 columns) and COLUMNS is unset. */
export const FALLBACK_WIDTH = 80

/**
 * Columns to fit output into on a terminal: COLUMNS when set to a positive number (as `ls` reads
 * it), else the terminal's own width, else 80. Undefined when the stream is not a terminal.
 */
export function terminalWidth(stream: StreamInfo = process.stdout, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (!stream.isTTY) return undefined
  const fromEnv = Number(env.COLUMNS)
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv
  return stream.columns !== undefined && stream.columns > 0 ? stream.columns : FALLBACK_WIDTH
}

/**
 * Whether spinners and progress bars may redraw on this stream: a terminal that knows its size.
 * Redrawing needs the width to know how many lines to clear; a terminal reporting 0 columns makes
 * that count infinite, so progress is left out rather than guessed.
 */
export function canAnimate(stream: StreamInfo = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && (stream.columns ?? 0) > 0 && env.TERM !== 'dumb'
}

/** Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColour(stream: StreamInfo = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR
}
