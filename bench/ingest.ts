import {randomBytes} from 'node:crypto'
import {mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {MB, MiB, run, runCli, type Target, targetTable, timed} from './support/measure.js'
import {benchTable} from './support/table.js'

const SMALL_FILES = Number(process.env.LABMESH_BENCH_SMALL_FILES ?? 10_000)
const LARGE_BYTES = Number(process.env.LABMESH_BENCH_LARGE_MIB ?? 1024) * MiB

/**
 * Ingest throughput next to `cp` of the same data in the same run: 10,000 small generated
 * exports, then one 1 GiB file. Targets: small files >= 0.5x `cp -r && sync`, the large file
 * >= 0.8x `cp && sync`, peak RSS under 300 MB.
 */
export default async function benchIngest(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'labmesh-bench-ingest-'))
  try {
    const small = path.join(root, 'small')
    const large = path.join(root, 'large')
    const smallBytes = generateSmallFiles(small, SMALL_FILES)
    generateLargeFile(path.join(large, 'big.bin'), LARGE_BYTES)

    const rows: (string | number)[][] = []
    const targets: Target[] = []
    for (const [name, source, bytes, files] of [
      ['small files', small, smallBytes, SMALL_FILES],
      ['large file', large, LARGE_BYTES, 1],
    ] as const) {
      const copy = path.join(root, `cp-${name.replace(' ', '-')}`)
      const cp = await timed(() => run('cp', ['-r', source, copy]))
      // cp leaves its bytes in the page cache; ingest fsyncs every object. `sync -f` makes the copy as durable.
      const cpSync = await timed(async () => {
        await run('cp', ['-r', source, `${copy}-synced`])
        await run('sync', ['-f', `${copy}-synced`])
      })
      const home = path.join(root, `home-${name.replace(' ', '-')}`)
      const ingest = await runCli(['ingest', source, '--json'], {LABMESH_HOME: home, LABMESH_CONFIG_DIR: path.join(root, 'config')})
      const result = JSON.parse(ingest.stdout) as {ingested: number; failed: unknown[]}
      if (result.ingested !== files || result.failed.length > 0) throw new Error(`ingest stored ${result.ingested} of ${files} files`)
      rows.push([
        name,
        files,
        (bytes / MB).toFixed(0),
        (files / ingest.seconds).toFixed(0),
        (bytes / MB / ingest.seconds).toFixed(0),
        (files / cp.seconds).toFixed(0),
        (bytes / MB / cp.seconds).toFixed(0),
        (cp.seconds / ingest.seconds).toFixed(2),
        (bytes / MB / cpSync.seconds).toFixed(0),
        (cpSync.seconds / ingest.seconds).toFixed(2),
        (ingest.peakRss / MB).toFixed(0),
      ])
      const wanted = name === 'small files' ? 0.5 : 0.8
      const ratio = cpSync.seconds / ingest.seconds
      targets.push(
        {
          target: `${name}: ingest >= ${wanted}x cp${name === 'small files' ? ' -r' : ''} && sync`,
          measured:
            name === 'small files'
              ? `${(files / ingest.seconds).toFixed(0)} vs ${(files / cpSync.seconds).toFixed(0)} files/s = ${ratio.toFixed(2)}x`
              : `${(bytes / MB / ingest.seconds).toFixed(0)} vs ${(bytes / MB / cpSync.seconds).toFixed(0)} MB/s = ${ratio.toFixed(2)}x`,
          met: ratio >= wanted,
        },
        {target: `${name}: peak RSS < 300 MB`, measured: `${(ingest.peakRss / MB).toFixed(0)} MB`, met: ingest.peakRss < 300 * MB},
      )
      rmSync(home, {recursive: true, force: true})
    }
    const table = benchTable([
      'data',
      'files',
      'MB',
      'ingest files/s',
      'ingest MB/s',
      'cp files/s',
      'cp MB/s',
      'ingest / cp',
      'cp+sync MB/s',
      'ingest / cp+sync',
      'peak RSS MB',
    ])
    table.push(...rows)
    console.log(table.toString())
    console.log('Ingest makes what it stores durable before recording it; cp does not (cp && sync does).')
    console.log(targetTable(targets))
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}

/** Plate-reader-like CSV exports of 1-4 KB in 100 folders. */
export function generateSmallFiles(dir: string, count: number): number {
  let bytes = 0
  for (let i = 0; i < count; i++) {
    const folder = path.join(dir, `run-${String(i % 100).padStart(3, '0')}`)
    if (i < 100) mkdirSync(folder, {recursive: true})
    const lines = [
      'Plate,Well,Value',
      ...Array.from(
        {length: 40 + (i % 80)},
        (_, w) => `P${i},${String.fromCharCode(65 + (w % 8))}${(w % 12) + 1},${(Math.sin(i + w) + 1.5).toFixed(4)}`,
      ),
    ]
    const text = lines.join('\n') + '\n'
    const fd = openSync(path.join(folder, `sample-${i}.csv`), 'w')
    writeSync(fd, text)
    closeSync(fd)
    bytes += Buffer.byteLength(text)
  }
  return bytes
}

export function generateLargeFile(file: string, size: number): void {
  mkdirSync(path.dirname(file), {recursive: true})
  const fd = openSync(file, 'w')
  const chunk = randomBytes(8 * MiB)
  for (let written = 0; written < size; written += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, size - written))
  closeSync(fd)
}
