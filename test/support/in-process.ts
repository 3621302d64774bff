import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {Config, run} from '@oclif/core'

import type {CliResult} from './cli.js'

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** oclif's configuration of the built CLI, per cache folder (oclif reads LABMESH_CACHE_DIR when it loads). */
const configs = new Map<string, Promise<Config>>()

type Write = typeof process.stdout.write

/**
 * Runs the built CLI's command (dist/, as bin/run.js does) inside this process, one at a time:
 * no Node start and no module loading per command, so hundreds of command lines take seconds.
 * Output, environment, working folder and exit code are captured and restored around it. Commands
 * that may block the event loop (a FIFO, a device) or that need a process of their own belong in
 * a subprocess (TestWorkspace.run).
 */
export async function runInProcess(
  args: string[],
  {env, cwd, timeoutMs}: {env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number},
): Promise<CliResult & {finished: boolean}> {
  const saved = {env: process.env, cwd: process.cwd(), stdout: process.stdout.write, stderr: process.stderr.write}
  let stdout = ''
  let stderr = ''
  const capture =
    (append: (text: string) => void): Write =>
    (chunk: unknown, ...rest: unknown[]) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString())
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined
      if (callback) queueMicrotask(callback)
      return true
    }
  process.env = {...env}
  process.chdir(cwd)
  process.exitCode = undefined
  process.stdout.write = capture((text) => (stdout += text))
  process.stderr.write = capture((text) => (stderr += text))
  let code: number | undefined
  let timer: NodeJS.Timeout | undefined
  try {
    const cacheDir = env.LABMESH_CACHE_DIR ?? ''
    if (!configs.has(cacheDir)) configs.set(cacheDir, Config.load(PROJECT))
    const config = await configs.get(cacheDir)!
    const finished = run(args, config).then(
      () => Number(process.exitCode ?? 0),
      // What bin/run.js's handler does with an error that escapes the command: oclif's exit code, else 1.
      (error: Error & {oclif?: {exit?: number}}) => {
        stderr += `${error.message}\n`
        return error.oclif?.exit ?? 1
      },
    )
    const timedOut = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)))
    code = await Promise.race([finished, timedOut])
  } finally {
    clearTimeout(timer)
    process.stdout.write = saved.stdout
    process.stderr.write = saved.stderr
    process.env = saved.env
    process.chdir(saved.cwd)
    process.exitCode = undefined
  }
  let json: unknown
  try {
    json = JSON.parse(stdout)
  } catch {
    json = undefined
  }
  return {code: code ?? -1, finished: code !== undefined, stdout, stderr, json}
}
