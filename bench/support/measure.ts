import {execFile, spawn} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {benchTable} from './table.js'

export const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const CLI = path.join(PROJECT, 'bin', 'run.js')

/** Seconds a function takes. */
export async function timed<T>(fn: () => Promise<T>): Promise<{seconds: number; value: T}> {
  const start = process.hrtime.bigint()
  const value = await fn()
  return {seconds: Number(process.hrtime.bigint() - start) / 1e9, value}
}

/** Runs a command to completion; rejects on a non-zero exit. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    execFile(command, args, {env, maxBuffer: 512 * 1024 * 1024}, (error, stdout, stderr) => {
      if (error && !(typeof error.code === 'number' && env.LABMESH_BENCH_ALLOW_FAIL)) reject(Object.assign(error, {stderr}))
      else resolve({stdout, stderr})
    })
  })
}

let rssProbe: string | undefined
/**
 * A preload that prints the process's peak RSS (bytes) on exit, so a CLI run can be measured whole.
 * It reads VmHWM, the peak of this program's own memory: getrusage's maxRSS would also count the
 * memory of the parent it was forked from.
 */
function peakRssProbe(): string {
  if (!rssProbe) {
    rssProbe = path.join(mkdtempSync(path.join(tmpdir(), 'labmesh-bench-')), 'peak-rss.mjs')
    writeFileSync(
      rssProbe,
      [
        "import {readFileSync} from 'node:fs'",
        'const peak = () => {',
        "  try { return Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024 } catch { return process.resourceUsage().maxRSS * 1024 }",
        '}',
        "process.on('exit', () => process.stderr.write(`\\nLABMESH_PEAK_RSS=${peak()}\\n`))",
      ].join('\n') + '\n',
    )
  }
  return rssProbe
}

/** Runs the labmesh CLI as a user would, returning wall time, stdout and peak RSS; a non-zero exit rejects unless `allowFailure`. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  {allowFailure = false}: {allowFailure?: boolean} = {},
): Promise<{seconds: number; stdout: string; stderr: string; code: number | null; peakRss: number}> {
  const start = process.hrtime.bigint()
  const {stdout, stderr, code} = await new Promise<{stdout: string; stderr: string; code: number | null}>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', peakRssProbe(), CLI, ...args], {env: {...process.env, ...env}})
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('close', (code) => {
      if (code === 0 || allowFailure) resolve({stdout: out, stderr: err, code})
      // Under --json the error is on stdout.
      else reject(new Error(`labmesh ${args.join(' ')} exited ${code}: ${err}${out}`))
    })
  })
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const peak = /LABMESH_PEAK_RSS=(\d+)/.exec(stderr)
  return {seconds, stdout, stderr, code, peakRss: peak ? Number(peak[1]) : Number.NaN}
}

export const MB = 1e6
export const MiB = 1024 * 1024

/** One budget of a stage: what is measured against what is wanted. */
export interface Target {
  target: string
  measured: string
  met: boolean
}

/** The targets as a table, PASS or LOW beside each. */
export function targetTable(targets: Target[]): string {
  const table = benchTable(['target', 'measured', ''])
  for (const t of targets) table.push([t.target, t.measured, t.met ? 'PASS' : 'LOW'])
  return table.toString()
}

/** The median of some timings. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
