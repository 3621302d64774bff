import {spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import type {TestWorkspace} from './cli.js'

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/run.js')

/** A word for a POSIX shell, single-quoted. */
export const shellQuote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`

export interface TerminalRun {
  code: number | null
  /** Everything the terminal showed (stdout and stderr together), line breaks as \n. */
  output: string
  /** Bytes the terminal received. */
  bytes: number
  timedOut: boolean
}

/**
 * Runs the built CLI on a pseudo-terminal of a given size, as a person at a terminal would, through
 * util-linux's `script` (in Debian's essential bsdutils). `columns: 0` is a terminal that reports
 * no size. Output is capped and the run killed after `timeoutMs`, so a runaway spinner fails the
 * test instead of filling the disk.
 */
export function runOnTerminal(
  ws: TestWorkspace,
  args: string[],
  options: {columns: number; rows?: number; env?: Record<string, string>; timeoutMs?: number},
): Promise<TerminalRun> {
  // The variables go on the command itself: the shell under `script` resets COLUMNS to the terminal's size.
  const variables = Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`)
  const command = `stty cols ${options.columns} rows ${options.rows ?? 40}; exec ${['env', ...variables, process.execPath, BIN, ...args].map(shellQuote).join(' ')}`
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: ws.root,
      env: {...ws.env(), TERM: 'xterm-256color'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const chunks: Buffer[] = []
    let bytes = 0
    let timedOut = false
    const stop = (): void => {
      timedOut = true
      child.kill('SIGKILL')
    }
    const timer = setTimeout(stop, options.timeoutMs ?? 60_000)
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes <= 4 * 1024 * 1024) chunks.push(chunk)
      else stop()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, output: Buffer.concat(chunks).toString('utf8').replaceAll('\r\n', '\n'), bytes, timedOut})
    })
  })
}
