import {type ChildProcess, spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import type {TestWorkspace} from './cli.js'

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/run.js')

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms` saying what it waited for. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, ms = 60_000): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export interface WatchLogEvent {
  time: string
  event: string
  path?: string
  file?: string
  fileId?: string
  status?: string
  version?: number
  code?: string
  message?: string
}

/** `labmesh watch` running in a subprocess (the built CLI), its JSON log lines collected as they come. */
export class RunningWatcher {
  readonly events: WatchLogEvent[] = []
  stderr = ''
  private readonly child: ChildProcess
  readonly exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>

  /** `through`: a command the CLI runs under (e.g. setpriv), its arguments ending before node's. */
  constructor(ws: TestWorkspace, args: string[] = [], env: Record<string, string> = {}, through: string[] = []) {
    const command = [...through, process.execPath, BIN, 'watch', '--log-format', 'json', ...args]
    this.child = spawn(command[0], command.slice(1), {
      env: ws.env(env),
      cwd: ws.root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let partial = ''
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n')
      partial = lines.pop()!
      for (const line of lines) if (line.trim()) this.events.push(JSON.parse(line) as WatchLogEvent)
    })
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()))
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({code, signal})))
  }

  get pid(): number {
    return this.child.pid!
  }

  /** Events of one kind (for one file, when given). */
  of(event: string, file?: string): WatchLogEvent[] {
    return this.events.filter((e) => e.event === event && (file === undefined || e.file === file))
  }

  async until(what: string, check: (events: WatchLogEvent[]) => boolean, ms = 60_000): Promise<void> {
    await waitFor(what, () => check(this.events) || this.failedEarly(), ms)
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{code: number | null; signal: NodeJS.Signals | null}> {
    this.child.kill(signal)
    return this.exited
  }

  private failedEarly(): false {
    if (this.child.exitCode !== null) throw new Error(`the watcher exited with ${this.child.exitCode}: ${this.stderr}`)
    return false
  }
}
