import {randomUUID} from 'node:crypto'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {quoteLiteral, withConnection} from '../src/lake/duckdb.js'
import {createLocalBackend} from '../src/backends/local/index.js'
import type {FileRecord} from '../src/backends/types.js'
import {ConverterRegistry} from '../src/converters/registry.js'
import {decodeDataPath} from '../src/lake/delta/paths.js'
import {DeltaTable} from '../src/lake/delta/table.js'
import {type ConvertedDocument, LAB_DATABASE, writeConvertedBatch} from '../src/lake/tables/write-batch.js'
import {bmgLikePlate} from '../test/support/plates.js'
import {MiB, runCli, targetTable, timed} from './support/measure.js'
import {benchTable} from './support/table.js'

const FILES = Number(process.env.LABMESH_BENCH_LAKE_FILES ?? 10_000)
const BATCH = 500
const SCANS = 5
const END_TO_END_TARGET = 300

/**
 * The lake stage: 10,000 generated 384-well plate exports converted and written into the lab
 * tables (one commit per table per batch of 500), then a full scan of the measurement table
 * through the Delta snapshot next to DuckDB reading the same Parquet files directly; then the
 * same plates ingested and converted by the CLI, end to end.
 * Targets: `labmesh convert` >= 300 files/s, the commit no slower than the converters, peak RSS
 * under 1 GiB, the scan within 1.2x of DuckDB's.
 */
export default async function benchLake(): Promise<void> {
  const home = mkdtempSync(path.join(tmpdir(), 'labmesh-bench-lake-'))
  const backend = createLocalBackend({home})
  try {
    const registry = await ConverterRegistry.load()
    let convertSeconds = 0
    let commitSeconds = 0
    let commits = 0
    for (let start = 0; start < FILES; start += BATCH) {
      const batch: ConvertedDocument[] = []
      const converted = await timed(async () => {
        for (let n = start; n < Math.min(FILES, start + BATCH); n++) {
          const bytes = bmgLikePlate(n)
          const {converter, document} = await registry.convert({name: `plate-${n}.csv`, bytes})
          batch.push({
            raw: rawRecord(n, bytes.length),
            engineeredFileId: randomUUID(),
            technique: converter.technique,
            document,
          })
        }
      })
      convertSeconds += converted.seconds
      const written = await timed(() => writeConvertedBatch(backend, batch))
      commitSeconds += written.seconds
      commits += written.value.tables.length
    }

    const entry = (await backend.catalog.get({database: LAB_DATABASE, table: 'plate_reader_measurement'}))!
    const table = new DeltaTable(backend.lakeStorage(entry.location))
    const snapshot = await table.snapshot()
    const paths = snapshot.files.map((f) => path.join(entry.location, decodeDataPath(f.path, snapshot.location)))
    const viaDelta = await table.scanSql()
    const direct = `read_parquet([${paths.map(quoteLiteral).join(', ')}])`
    const aggregate = (from: string): string =>
      `SELECT count(*) AS n, avg(fluorescence) AS mean, count(DISTINCT sample_location_identifier) AS wells FROM ${from}`
    const lakeScan = await bestOf(() => scan(aggregate(`(${viaDelta})`)))
    const duckScan = await bestOf(() => scan(aggregate(direct)))
    if (lakeScan.rows !== duckScan.rows) throw new Error(`the scans disagree: ${lakeScan.rows} vs ${duckScan.rows}`)

    const summary = benchTable([
      'files',
      'convert s',
      'lake commit s',
      'commits',
      'measurement rows',
      'data files',
      'scan via Delta s',
      'DuckDB direct s',
      'ratio',
    ])
    summary.push([
      FILES,
      convertSeconds.toFixed(1),
      commitSeconds.toFixed(1),
      commits,
      lakeScan.rows,
      snapshot.files.length,
      lakeScan.seconds.toFixed(3),
      duckScan.seconds.toFixed(3),
      (lakeScan.seconds / duckScan.seconds).toFixed(2),
    ])
    console.log(summary.toString())
    await backend.close()

    const endToEnd = await convertWithCli(FILES)
    console.log(
      `labmesh convert of ${FILES} ingested plates (read, convert, documents, records, search index, lake): ${endToEnd.seconds.toFixed(1)} s`,
    )
    console.log(
      targetTable([
        {
          target: `labmesh convert end to end >= ${END_TO_END_TARGET} files/s`,
          measured: `${(FILES / endToEnd.seconds).toFixed(0)} files/s`,
          met: FILES / endToEnd.seconds >= END_TO_END_TARGET,
        },
        {
          target: 'lake commit no slower than the converters (commit s / convert s <= 1)',
          measured: `${commitSeconds.toFixed(1)} / ${convertSeconds.toFixed(1)} = ${(commitSeconds / convertSeconds).toFixed(2)}`,
          met: commitSeconds <= convertSeconds,
        },
        {
          target: `peak RSS of labmesh convert < 1024 MiB (batches of ${BATCH})`,
          measured: `${(endToEnd.peakRss / MiB).toFixed(0)} MiB`,
          met: endToEnd.peakRss < 1024 * MiB,
        },
        {
          target: 'scan via the Delta snapshot <= 1.2x DuckDB reading the files',
          measured: (lakeScan.seconds / duckScan.seconds).toFixed(2),
          met: lakeScan.seconds / duckScan.seconds <= 1.2,
        },
      ]),
    )
  } finally {
    await backend.close()
    rmSync(home, {recursive: true, force: true})
  }
}

/** `labmesh ingest` of generated plates, then `labmesh convert` of them all, as a user runs it: its time and peak RSS. */
async function convertWithCli(files: number): Promise<{seconds: number; peakRss: number}> {
  const root = mkdtempSync(path.join(tmpdir(), 'labmesh-bench-convert-'))
  try {
    for (let n = 0; n < files; n++) {
      const folder = path.join(root, 'drop', `run-${n % 100}`)
      if (n < 100) mkdirSync(folder, {recursive: true})
      writeFileSync(path.join(folder, `plate-${n}.csv`), bmgLikePlate(n))
    }
    const env = {LABMESH_HOME: path.join(root, 'home'), LABMESH_CONFIG_DIR: path.join(root, 'config'), LABMESH_PROFILE: ''}
    await runCli(['ingest', path.join(root, 'drop'), '--json'], env)
    const run = await runCli(['convert', '--json'], env)
    const result = JSON.parse(run.stdout) as {converted: number; failed: unknown[]}
    if (result.converted !== files) throw new Error(`labmesh convert converted ${result.converted} of ${files} files`)
    return {seconds: run.seconds, peakRss: run.peakRss}
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}

function rawRecord(n: number, size: number): FileRecord {
  const now = new Date().toISOString()
  return {
    fileId: randomUUID(),
    category: 'RAW',
    traceId: randomUUID(),
    rawFileId: null,
    sha256: n.toString(16).padStart(64, '0'),
    size,
    sourcePath: `/bench/plates/plate-${n}.csv`,
    sourceHost: 'bench',
    ingestedAt: now,
    modifiedAt: now,
    version: 1,
    latest: true,
    metadata: {instrument: 'bmg-mars', project: `p${n % 7}`},
    labels: [{name: 'bench', value: 'lake'}],
    status: 'ingested',
    error: null,
  }
}

async function scan(sql: string): Promise<{rows: number}> {
  return withConnection(async (connection) => {
    const [row] = (await connection.runAndReadAll(sql)).getRowObjectsJson()
    return {rows: Number(row.n)}
  })
}

/** The fastest of a few runs: the machine's noise only ever adds time. */
async function bestOf(fn: () => Promise<{rows: number}>): Promise<{rows: number; seconds: number}> {
  let best = {rows: 0, seconds: Number.POSITIVE_INFINITY}
  for (let i = 0; i < SCANS; i++) {
    const run = await timed(fn)
    if (run.seconds < best.seconds) best = {rows: run.value.rows, seconds: run.seconds}
  }
  return best
}
