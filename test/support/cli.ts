import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The built CLI. */
export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/run.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  /** stdout parsed as JSON (when the command ran with --json). */
  json: any
}

/** A throwaway workspace and config folder, so tests never touch the user's. */
export class TestWorkspace {
  readonly root = mkdtempSync(path.join(tmpdir(), 'labmesh-test-'))
  readonly home = path.join(this.root, 'home')
  readonly configDir = path.join(this.root, 'config')
  readonly cacheDir = path.join(this.root, 'cache')

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      LABMESH_HOME: this.home,
      LABMESH_CONFIG_DIR: this.configDir,
      LABMESH_CACHE_DIR: this.cacheDir,
      LABMESH_PROFILE: '',
      ...extra,
    }
  }

  /**
   * Runs the built CLI (bin/run.js over dist/) as a user would, and captures everything;
   * `through` is a command that runs it (e.g. setpriv with its options).
   */
  run(args: string[], options: {env?: Record<string, string>; cwd?: string; through?: string[]} = {}): Promise<CliResult> {
    const [command, ...prefix] = [...(options.through ?? []), process.execPath]
    return new Promise((resolve) => {
      execFile(
        command,
        [...prefix, BIN, ...args],
        {env: this.env(options.env), cwd: options.cwd ?? this.root, maxBuffer: 64 * 1024 * 1024},
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
          let json: unknown
          try {
            json = JSON.parse(stdout)
          } catch {
            json = undefined
          }
          resolve({code, stdout, stderr, json})
        },
      )
    })
  }

  path(...parts: string[]): string {
    return path.join(this.root, ...parts)
  }

  remove(): void {
    rmSync(this.root, {recursive: true, force: true})
  }
}
