import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {walkFiles} from '../src/ingest/walk.js'
import {Spool} from '../src/spool/spool.js'
import {generateSmallFiles} from './ingest.js'
import {run, runCli, type Target, targetTable, timed} from './support/measure.js'

const FILES = Number(process.env.LABMESH_BENCH_SPOOL_FILES ?? 2000)

/**
 * Spooling (what `watch` does on an aws profile while the service is away: each file copied,
 * hashed and made durable with its manifest) next to, in the same run, `cp -r && sync` of the
 * same files and a local `labmesh ingest` of them (which also makes every object durable).
 * Target: spooling within 2x the local ingest.
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
    const spool = await Spool.open(path.join(root, 'spool'))
    const spooled = await timed(async () => {
      for await (const entry of walkFiles([source])) {
        if (entry.kind !== 'file') continue
        const {relativePath} = entry
        await spool.add(entry, {
          sourcePath: entry.path,
          sourceHost: 'bench',
          relativePath,
          pathName: 'bench',
          template: null,
          labels: [],
          metadata: {},
          detectedAt: new Date().toISOString(),
        })
      }
    })
    console.log(
      `${FILES} files: cp -r && sync ${cp.seconds.toFixed(2)} s, labmesh ingest ${ingest.seconds.toFixed(2)} s, spool ${spooled.seconds.toFixed(2)} s`,
    )
    const ratio = spooled.seconds / ingest.seconds
    const targets: Target[] = [{target: 'spool within 2x local ingest', measured: `${ratio.toFixed(2)}x`, met: ratio <= 2}]
    console.log(targetTable(targets))
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}
