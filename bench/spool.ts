import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {type FoundFile, walkFiles} from '../src/ingest/walk.js'
import {Spool, type SpoolEntry} from '../src/spool/spool.js'
import {generateSmallFiles} from './ingest.js'
import {run, runCli, type Target, targetTable, timed} from './support/measure.js'

const FILES = Number(process.env.LABMESH_BENCH_SPOOL_FILES ?? 2000)
/** The most files `watch` hands the spool at once (one tick's batch of a path). */
const BATCH = 1000

/** Seconds to spool into a new spool folder, every file durable and the spool closed at the end. */
async function spoolInto(dir: string, fill: (spool: Spool) => Promise<void>): Promise<number> {
  const spool = await Spool.open(dir)
  try {
    const {seconds} = await timed(() => fill(spool))
    if (spool.usage().files !== FILES) throw new Error(`${dir} holds ${spool.usage().files} files, not ${FILES}`)
    return seconds
  } finally {
    await spool.close()
  }
}

/**
 * Spooling (what `watch` does on an aws profile while the service is away: each file copied,
 * hashed and made durable with its manifest) next to, in the same run, `cp -r && sync` of the
 * same files and a local `labmesh ingest` of them (which also makes every object durable).
 * Spooled one file at a time (each made durable on its own) and in the watcher's batches.
 * Target: spooling in batches within 2x the local ingest.
 */
export default async function benchSpool(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'labmesh-bench-spool-'))
  try {
    const source = path.join(root, 'source')
    generateSmallFiles(source, FILES)
    const cp = await timed(async () => {
      await run('cp', ['-r', source, path.join(root, 'copy')])
      await run('sync', ['-f', path.join(root, 'copy')])
    })
    const ingest = await runCli(['ingest', source, '--json'], {
      LABMESH_HOME: path.join(root, 'home'),
      LABMESH_CONFIG_DIR: path.join(root, 'config'),
    })
    const files: Array<{file: FoundFile; entry: SpoolEntry}> = []
    for await (const entry of walkFiles([source])) {
      if (entry.kind !== 'file') continue
      files.push({
        file: entry,
        entry: {
          sourcePath: entry.path,
          sourceHost: 'bench',
          relativePath: entry.relativePath,
          pathName: 'bench',
          template: null,
          labels: [],
          metadata: {},
          detectedAt: new Date().toISOString(),
        },
      })
    }
    // One file at a time, each made durable on its own (how the spool first worked).
    const single = await spoolInto(path.join(root, 'spool-single'), async (spool) => {
      for (const {file, entry} of files) await spool.add(file, entry)
    })
    // In the watcher's batches: the durability work shared by each batch.
    const batched = await spoolInto(path.join(root, 'spool-batched'), async (spool) => {
      for (let i = 0; i < files.length; i += BATCH) await spool.addMany(files.slice(i, i + BATCH))
    })
    console.log(
      `${FILES} files: cp -r && sync ${cp.seconds.toFixed(2)} s, labmesh ingest ${ingest.seconds.toFixed(2)} s, ` +
        `spool one at a time ${single.toFixed(2)} s, spool in batches of ${BATCH} ${batched.toFixed(2)} s`,
    )
    const before = single / ingest.seconds
    const ratio = batched / ingest.seconds
    console.log(`spool / local ingest: one at a time ${before.toFixed(2)}x, in batches ${ratio.toFixed(2)}x`)
    const targets: Target[] = [{target: 'spool within 2x local ingest', measured: `${ratio.toFixed(2)}x`, met: ratio <= 2}]
    console.log(targetTable(targets))
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}
