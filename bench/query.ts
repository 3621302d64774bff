import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {withConnection} from '../src/lake/duckdb.js'
import {writeDataFiles} from '../src/lake/delta/data-files.js'
import {LocalLakeStorage} from '../src/lake/delta/local-storage.js'
import {decodeDataPath} from '../src/lake/delta/paths.js'
import {field} from '../src/lake/delta/schema.js'
import {DeltaTable} from '../src/lake/delta/table.js'
import {Transaction} from '../src/lake/delta/transaction.js'
import {MiB, run, runCli, type Target, targetTable, timed} from './support/measure.js'
import {benchTable} from './support/table.js'

const ROWS = Number(process.env.LABMESH_BENCH_QUERY_ROWS ?? 10_000_000)
const REPEAT = Number(process.env.LABMESH_BENCH_QUERY_REPEAT ?? 3)
const INSTRUMENTS = ['bmg-mars', 'moldev-softmax-pro', 'agilent-gen5', 'perkin-elmer-envision']
const TABLE = 'bench.plate_reader_measurement'

const AGGREGATE = (from: string): string =>
  `SELECT instrument, wavelength, count(*) AS n, round(avg(absorbance), 6) AS mean_absorbance FROM ${from} WHERE absorbance > 50 AND well LIKE 'A%' GROUP BY ALL ORDER BY ALL`

interface Measurement {
  seconds: number
  /** The engine's own time, without process start-up. */
  querySeconds: number
  peakRss: number
  /** Rows written, or the aggregate's rows as JSON. */
  result: string
}

/**
 * `labmesh query` on a 10-million-row Delta table (4 partitions written with labmesh's own
 * Delta writer): a filtered aggregate (also as a principal whose grant has a row filter, with
 * its granted copy made by that query and already made), the whole table to Parquet and to CSV,
 * each next to DuckDB doing the same over the same Parquet files in a process of its own. Best of
 * 3 runs each. Targets: the filtered aggregate within 1.3x of DuckDB's whole process, the exports
 * within 1.2x, the principal's aggregate (copy made already) within 1.2x of the owner's; peak RSS
 * under 1 GiB.
 */
export default async function benchQuery(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'labmesh-bench-query-'))
  try {
    const location = path.join(root, 'plate_reader_measurement')
    const generated = await timed(() => generateInChild(location, ROWS))
    console.log(
      `Generated ${ROWS.toLocaleString('en-US')} rows in ${generated.value.length} Parquet files in ${generated.seconds.toFixed(1)} s.`,
    )
    const env = {LABMESH_HOME: path.join(root, 'home'), LABMESH_CONFIG_DIR: path.join(root, 'config'), LABMESH_PROFILE: ''}
    await runCli(['catalog', 'register', TABLE, location], env)
    // What a DuckDB user writes for the same files: partition values from the k=v folders.
    const files = `read_parquet([${generated.value.map((f) => `'${f}'`).join(', ')}], hive_partitioning = true)`
    const baseline = writeBaselineScript(root)

    // A principal whose grant holds the aggregate's own row filter: its session reads the granted
    // copy of the table, made by the first query after the table or the grant changed.
    await runCli(
      ['catalog', 'share', TABLE, '--principal', 'bench-reader', '--permissions', 'SELECT', '--row-filter', "well LIKE 'A%'"],
      env,
    )
    const copies = path.join(env.LABMESH_HOME, 'grant-copies')
    const asReader = ['query', AGGREGATE(TABLE), '--as', 'bench-reader', '--json']
    const cases: {name: string; labmesh: string[]; duckdb: string; out?: string; before?: () => void}[] = [
      {name: 'filtered aggregate', labmesh: ['query', AGGREGATE(TABLE), '--json'], duckdb: AGGREGATE(files)},
      {
        name: 'the same, --as a principal with a row filter (granted copy made)',
        labmesh: asReader,
        duckdb: AGGREGATE(files),
        before: () => rmSync(copies, {recursive: true, force: true}),
      },
      {name: 'the same, --as a principal with a row filter', labmesh: asReader, duckdb: AGGREGATE(files)},
      {
        name: 'all rows to Parquet',
        labmesh: ['query', `SELECT * FROM ${TABLE}`, '--out'],
        duckdb: `COPY (SELECT * FROM ${files}) TO $out (FORMAT parquet, COMPRESSION zstd)`,
        out: 'parquet',
      },
      {
        name: 'all rows to CSV',
        labmesh: ['query', `SELECT * FROM ${TABLE}`, '--out'],
        duckdb: `COPY (SELECT * FROM ${files}) TO $out (FORMAT csv, HEADER true)`,
        out: 'csv',
      },
    ]
    const table = benchTable([
      'case',
      'labmesh s',
      'duckdb s',
      'ratio',
      'labmesh query s',
      'duckdb query s',
      'query ratio',
      'labmesh peak RSS MiB',
      'duckdb peak RSS MiB',
      'output MiB',
    ])
    const targets: Target[] = []
    const seconds = new Map<string, number>()
    for (const c of cases) {
      const out = c.out ? path.join(root, `result.${c.out}`) : undefined
      const labmesh = await best(async () => {
        c.before?.()
        // Each run writes a new file: labmesh refuses to replace one without --force.
        if (out) rmSync(out, {force: true})
        const run = await runCli(out ? [...c.labmesh, out, '--json'] : c.labmesh, env)
        const json = JSON.parse(run.stdout) as {rowCount: number; rows?: unknown[]; elapsedSeconds: number}
        return {
          seconds: run.seconds,
          querySeconds: json.elapsedSeconds,
          peakRss: run.peakRss,
          result: out ? String(json.rowCount) : JSON.stringify(json.rows),
        }
      })
      const outBytes = out ? statSync(out).size : 0
      const duckdb = await best(() => runBaseline(baseline, c.duckdb, out ?? ''))
      if (labmesh.result !== duckdb.result)
        throw new Error(`${c.name}: labmesh gave ${labmesh.result.slice(0, 200)}, DuckDB ${duckdb.result.slice(0, 200)}`)
      table.push([
        c.name,
        labmesh.seconds.toFixed(2),
        duckdb.seconds.toFixed(2),
        (labmesh.seconds / duckdb.seconds).toFixed(2),
        labmesh.querySeconds.toFixed(2),
        duckdb.querySeconds.toFixed(2),
        (labmesh.querySeconds / duckdb.querySeconds).toFixed(2),
        (labmesh.peakRss / MiB).toFixed(0),
        (duckdb.peakRss / MiB).toFixed(0),
        out ? (outBytes / MiB).toFixed(0) : '',
      ])
      if (out) rmSync(out, {force: true})
      seconds.set(c.name, labmesh.seconds)
      // The whole process, start-up included, for the aggregate a user runs again and again.
      const wanted = c.out ? 1.2 : 1.3
      targets.push(
        {
          target: `${c.name}: labmesh query <= ${wanted}x a bare DuckDB process`,
          measured: `${labmesh.seconds.toFixed(2)} / ${duckdb.seconds.toFixed(2)} s = ${(labmesh.seconds / duckdb.seconds).toFixed(2)}x`,
          met: labmesh.seconds / duckdb.seconds <= wanted,
        },
        {
          target: `${c.name}: peak RSS < 1024 MiB`,
          measured: `${(labmesh.peakRss / MiB).toFixed(0)} MiB`,
          met: labmesh.peakRss < 1024 * MiB,
        },
      )
    }
    // A principal's query against the owner's, both measured in this run; the query that makes the
    // granted copy is shown next to it, with no target.
    const owner = seconds.get('filtered aggregate')!
    for (const c of cases.filter((c) => c.labmesh === asReader)) {
      const ratio = seconds.get(c.name)! / owner
      const measured = `${seconds.get(c.name)!.toFixed(2)} / ${owner.toFixed(2)} s = ${ratio.toFixed(2)}x`
      if (c.before) console.log(`${c.name}: ${measured} the owner's filtered aggregate`)
      else targets.push({target: `${c.name}: <= 1.2x the owner's filtered aggregate`, measured, met: ratio <= 1.2})
    }
    console.log(table.toString())
    console.log(
      '"s" is the wall time of a whole process (labmesh: the CLI); "query s" the engine alone.\n' +
        'labmesh writes CSV timestamps as ISO 8601 (Table Schema datetime); DuckDB as "2024-01-01 00:00:00+00".',
    )
    console.log(targetTable(targets))
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}

async function best(measure: () => Promise<Measurement>): Promise<Measurement> {
  let fastest: Measurement | undefined
  for (let i = 0; i < REPEAT; i++) {
    const m = await measure()
    if (!fastest || m.seconds < fastest.seconds) fastest = {...m, peakRss: Math.max(m.peakRss, fastest?.peakRss ?? 0)}
    else fastest.peakRss = Math.max(fastest.peakRss, m.peakRss)
  }
  return fastest!
}

/**
 * Writes the table from a process of its own. Linux carries a process's peak RSS over into the
 * children it forks, so a bench that grew while writing 10 million rows would inflate the peak
 * RSS every later measurement reports.
 */
async function generateInChild(location: string, rows: number): Promise<string[]> {
  const script = `const {generateTable} = await import(${JSON.stringify(import.meta.url)}); process.stdout.write(JSON.stringify(await generateTable(${JSON.stringify(location)}, ${rows})))`
  const {stdout} = await run(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '--eval', script])
  return JSON.parse(stdout) as string[]
}

/**
 * A plate reader's readings, one Parquet file per instrument partition: 384-well plates of
 * absorbance at five wavelengths, a second apart. Returns the data files' paths.
 */
export async function generateTable(location: string, rows: number): Promise<string[]> {
  const storage = new LocalLakeStorage(location)
  const columns = [
    field('file_id', 'string'),
    field('well', 'string'),
    field('plate', 'integer'),
    field('absorbance', 'double'),
    field('absorbance_unit', 'string'),
    field('wavelength', 'integer'),
    field('measured_at', 'timestamp'),
    field('instrument', 'string'),
  ]
  const table = await DeltaTable.create(storage, {columns, partitionColumns: ['instrument']})
  const perPartition = Math.ceil(rows / INSTRUMENTS.length)
  for (const [p, instrument] of INSTRUMENTS.entries()) {
    const first = p * perPartition
    const last = Math.min(rows, first + perPartition)
    const source = `SELECT 'file-' || (i // 384)::VARCHAR AS file_id, chr((65 + (i % 384) // 24)::INTEGER) || ((i % 24) + 1)::VARCHAR AS well,
      (i // 384)::INTEGER AS plate, ((i * 7919) % 100000) / 1000.0 AS absorbance, 'mAU' AS absorbance_unit,
      (400 + (i % 5) * 50)::INTEGER AS wavelength, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) AS measured_at,
      '${instrument}' AS instrument FROM range(${first}, ${last}) AS r(i)`
    const read = await table.snapshot()
    const adds = await withConnection((connection) =>
      writeDataFiles(connection, {
        storage,
        schema: read.schema,
        partitionColumns: read.partitionColumns,
        configuration: read.configuration,
        source,
        dataChange: true,
      }),
    )
    const transaction = new Transaction(storage, read)
    transaction.addFiles(adds)
    await transaction.commit({operation: 'WRITE', operationParameters: {mode: 'Append'}})
  }
  const snapshot = await table.snapshot()
  return Promise.all(snapshot.files.map((f) => storage.engine.localPath(decodeDataPath(f.path, snapshot.location))))
}

/** A script that runs one statement with @duckdb/node-api and reports its rows, time and peak RSS. */
function writeBaselineScript(root: string): string {
  const script = path.join(root, 'duckdb-baseline.mjs')
  writeFileSync(
    script,
    `import {DuckDBInstance} from ${JSON.stringify(import.meta.resolve('@duckdb/node-api'))}
const [sql, out] = process.argv.slice(2)
const started = process.hrtime.bigint()
const connection = await (await DuckDBInstance.create(':memory:')).connect()
await connection.run("SET TimeZone = 'UTC'")
const reader = await connection.runAndReadAll(sql, sql.includes('$out') ? {out} : {})
const seconds = Number(process.hrtime.bigint() - started) / 1e9
const rows = reader.getRowObjectsJson()
const result = sql.includes('$out') ? String(reader.getRows()[0][0]) : JSON.stringify(rows.map((r) => ({...r, n: Number(r.n)})))
process.stdout.write(JSON.stringify({seconds, result, peakRss: process.resourceUsage().maxRSS * 1024}))
`,
  )
  return script
}

async function runBaseline(script: string, sql: string, out: string): Promise<Measurement> {
  const started = process.hrtime.bigint()
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [script, sql, out])
    let text = ''
    let errors = ''
    child.stdout.on('data', (d) => (text += d))
    child.stderr.on('data', (d) => (errors += d))
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`DuckDB baseline exited ${code}: ${errors}`))))
  })
  const report = JSON.parse(stdout) as {seconds: number; result: string; peakRss: number}
  return {
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    querySeconds: report.seconds,
    peakRss: report.peakRss,
    result: report.result,
  }
}
