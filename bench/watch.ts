import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {genericPlate} from '../test/support/plates.js'
import {CLI, runCli} from './support/measure.js'
import {benchTable} from './support/table.js'

const FILES = Number(process.env.LABMESH_BENCH_WATCH_FILES ?? 1000)
const STABLE_SECONDS = 2

/**
 * Latency of `labmesh watch` for a burst of generated 384-well plate exports: from each file's last
 * write to its record being stored and searchable (`file.ingested`: the search index is written in
 * the record's transaction) and to its rows being queryable (`file.converted`: after the lake commit).
 * Target: p95 under stable-seconds + 2 s. Baseline in the same run: `ingest` then `convert` of the
 * same files as one batch, on a fresh workspace.
 */
export default async function benchWatch(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'labmesh-bench-watch-'))
  const env = {LABMESH_HOME: path.join(root, 'home'), LABMESH_CONFIG_DIR: path.join(root, 'config'), LABMESH_PROFILE: ''}
  try {
    const drop = path.join(root, 'drop')
    mkdirSync(drop)
    await runCli(['paths', 'add', drop, '--name', 'bench', '--stable-seconds', String(STABLE_SECONDS), '--convert'], env)
    const events = new Map<string, Map<string, number>>()
    const child = spawn(process.execPath, [CLI, 'watch', '--log-format', 'json'], {
      env: {...process.env, ...env},
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let partial = ''
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n')
      partial = lines.pop()!
      for (const line of lines) {
        const event = JSON.parse(line) as {event: string; time: string; file?: string}
        if (!events.has(event.event)) events.set(event.event, new Map())
        if (event.file !== undefined) events.get(event.event)!.set(event.file, Date.parse(event.time))
        else events.get(event.event)!.set('', Date.parse(event.time))
      }
    })
    const count = (event: string): number => events.get(event)?.size ?? 0
    await until(() => count('path.scanned') > 0, 60_000)

    const lastWrite = new Map<string, number>()
    const started = Date.now()
    for (let n = 0; n < FILES; n++) {
      const name = `plate-${String(n).padStart(5, '0')}.txt`
      writeFileSync(path.join(drop, name), genericPlate(n))
      lastWrite.set(name, Date.now())
    }
    await until(() => count('file.converted') + count('file.failed') >= FILES, 30 * 60_000)
    const watchSeconds = (Math.max(...events.get('file.converted')!.values()) - started) / 1000
    child.kill('SIGTERM')
    await new Promise((resolve) => child.on('exit', resolve))
    if (count('file.failed') > 0) throw new Error(`${count('file.failed')} files failed`)

    const latencies = (event: string): number[] =>
      [...lastWrite].map(([name, at]) => (events.get(event)!.get(name)! - at) / 1000).sort((a, b) => a - b)
    const batchEnv = {...env, LABMESH_HOME: path.join(root, 'batch-home')}
    const ingest = await runCli(['ingest', drop, '--json'], batchEnv)
    const convert = await runCli(['convert', '--json'], batchEnv)
    const {converted} = JSON.parse(convert.stdout) as {converted: number}
    if (converted !== FILES) throw new Error(`the batch converted ${converted} of ${FILES} files`)
    const batchSeconds = ingest.seconds + convert.seconds
    const table = benchTable(['stage', 'files', 'p50 s', 'p95 s', 'max s', `target p95 < ${STABLE_SECONDS + 2} s`])
    for (const [stage, event] of [
      ['stored and searchable', 'file.ingested'],
      ['rows queryable', 'file.converted'],
    ] as const) {
      const values = latencies(event)
      const p95 = quantile(values, 0.95)
      table.push([
        stage,
        FILES,
        quantile(values, 0.5).toFixed(2),
        p95.toFixed(2),
        values.at(-1)!.toFixed(2),
        p95 < STABLE_SECONDS + 2 ? 'met' : 'missed',
      ])
    }
    console.log(table.toString())
    console.log(
      `Burst through watch (first write to last file converted): ${watchSeconds.toFixed(1)} s; the same files as one batch ` +
        `(ingest ${ingest.seconds.toFixed(1)} s + convert ${convert.seconds.toFixed(1)} s, CLI start-up included): ${batchSeconds.toFixed(1)} s; ` +
        `watch / (batch + stable interval) = ${(watchSeconds / (batchSeconds + STABLE_SECONDS)).toFixed(2)}.`,
    )
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`the watcher did not finish within ${ms / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
