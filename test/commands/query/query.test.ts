import {execFile, execFileSync, spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parse} from 'csv-parse/sync'
import {expect} from 'chai'

import {withConnection} from '../../../src/lake/duckdb.js'
import type {TestWorkspace} from '../../support/cli.js'
import {convertedWorkspace} from '../../support/converted-workspace.js'
import {dataPackageErrors} from '../../support/datapackage.js'
import {queryTable, queryTables} from '../../support/lake.js'
import {bmgReference, DELTA_TABLES, INSTRUMENTS} from '../../support/testdata.js'

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/run.js')
const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length
const round6 = (n: number): number => Math.round(n * 1e6) / 1e6
const PLATES = `SELECT f.instrument, count(*)::INTEGER AS readings, count(DISTINCT m.sample_location_identifier)::INTEGER AS wells,
  round(avg(m.absorbance), 6) AS mean_absorbance
  FROM lab.plate_reader_measurement m JOIN lab.files f USING (file_id, trace_id) GROUP BY ALL ORDER BY 1`
// Every kind of column a lab table has: text, integers, timestamps, a map and a list.
const FILES = 'SELECT file_id, source_path, size, version, ingested_at, metadata, labels FROM lab.files ORDER BY source_path'

/** A CSV or TSV read back through its header, with unquoted empty fields as nulls. */
function readDelimited(text: string, delimiter: string): Record<string, string | null>[] {
  return parse(text, {delimiter, columns: true, cast: (value, context) => (value === '' && !context.quoting ? null : value)}) as Record<
    string,
    string | null
  >[]
}

/** Runs the CLI with `input` on stdin. */
function runWithInput(ws: TestWorkspace, args: string[], input: string): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], {env: ws.env(), cwd: ws.root}, (error, stdout, stderr) =>
      resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr}),
    )
    child.stdin!.end(input)
  })
}

describe('labmesh query', function () {
  this.timeout(300_000)
  let ws: TestWorkspace
  let fileIds: Map<string, string>
  const lake = (table: string): string => path.join(ws.home, 'lake', 'lab', table)

  before(async () => {
    ;({ws, fileIds} = await convertedWorkspace())
  })
  after(() => ws.remove())

  it('aggregates and joins with lab.files, agreeing with a direct read of the Delta tables', async () => {
    const result = await ws.run(['query', PLATES, '--json'])
    expect(result.code, result.stderr).to.equal(0)
    const expected = await queryTables({m: lake('plate_reader_measurement'), f: lake('files')}, ({m, f}) =>
      PLATES.replace('lab.plate_reader_measurement m', `${m} m`).replace('lab.files f', `${f} f`),
    )
    expect(result.json.rows).to.deep.equal(expected)
    // Worked out from the exports: the BMG plate's 96 absorbances (mean from the reference document), the
    // SoftMax Pro plate's 96 wells at 3 wavelengths, the EnVision file's 2 measured plates of 4 x 24 wells.
    expect(result.json.rows).to.deep.equal([
      {instrument: 'bmg-mars', readings: 96, wells: 96, mean_absorbance: round6(mean(bmgReference().map(([, v]) => v)))},
      {instrument: 'moldev-softmax-pro', readings: 288, wells: 96, mean_absorbance: null},
      {instrument: 'perkin-elmer-envision', readings: 192, wells: 96, mean_absorbance: null},
    ])
    expect(result.json.columns.map((c: {type: string}) => c.type)).to.deep.equal(['VARCHAR', 'INTEGER', 'INTEGER', 'DOUBLE'])
    expect(result.json.truncated).to.equal(false)

    const table = await ws.run(['query', PLATES, '--format', 'table'])
    expect(table.stdout).to.match(/bmg-mars\s+│ 96\s+│ 96/)
    expect(table.stdout).to.include('3 rows')
  })

  it('binds --param values to $names, and says which are missing', async () => {
    const sql = 'SELECT count(*)::INTEGER AS n FROM lab.plate_reader_measurement WHERE absorbance > $min AND file_id = $file'
    const bmg = fileIds.get('BMG Labtech format.CSV')!
    const result = await ws.run(['query', sql, '--param', 'min=0.1', '--param', `file=${bmg}`, '--json'])
    expect(result.code, result.stderr).to.equal(0)
    const [expected] = await queryTable(
      lake('plate_reader_measurement'),
      (t) => `SELECT count(*)::INTEGER AS n FROM ${t} WHERE absorbance > 0.1 AND file_id = '${bmg}'`,
    )
    expect(result.json.rows).to.deep.equal([expected])
    expect(expected.n).to.equal(bmgReference().filter(([, v]) => v > 0.1).length)

    const injected = await ws.run(['query', sql, '--param', 'min=0', '--param', "file=x' OR '1'='1", '--json'])
    expect(injected.json.rows).to.deep.equal([{n: 0}])
    const missing = await ws.run(['query', sql, '--param', 'min=0.1', '--json'])
    expect(missing.code).to.equal(6)
    expect(missing.json.error.suggestions).to.deep.equal(['--param file=VALUE'])
  })

  it('binds a parameter whose type depends on its value, and suggests a cast where DuckDB cannot choose', async () => {
    const bare = await ws.run(['query', 'SELECT $x AS v, $y IS NULL AS n', '--param', 'x=1', '--param', 'y=2', '--json'])
    expect(bare.code, bare.stdout + bare.stderr).to.equal(0)
    expect(bare.json.columns).to.deep.equal([
      {name: 'v', type: 'VARCHAR'},
      {name: 'n', type: 'BOOLEAN'},
    ])
    expect(bare.json.rows).to.deep.equal([{v: '1', n: false}])
    const file = ws.path('bare-param.csv')
    expect((await ws.run(['query', 'SELECT $x AS v, $y IS NULL AS n', '--param', 'x=1', '--param', 'y=2', '--out', file])).code).to.equal(0)
    expect(readFileSync(file, 'utf8')).to.equal('v,n\n1,false\n')
    const ambiguous = await ws.run(['query', 'SELECT $x + 1 AS v', '--param', 'x=1', '--json'])
    expect(ambiguous.code).to.equal(6)
    expect(ambiguous.json.error.code).to.equal('INVALID_INPUT')
    expect(ambiguous.json.error.suggestions[0]).to.include('$x::INTEGER')
    const typed = await ws.run(['query', 'SELECT $x::INTEGER + 1 AS v', '--param', 'x=1', '--json'])
    expect(typed.json.rows).to.deep.equal([{v: 2}])
  })

  it('never writes into the workspace, a table folder, a link, a FIFO or over a file without --force', async () => {
    const commit = path.join(lake('files'), '_delta_log', '00000000000000000099.json')
    // A jsonl result shaped like a Delta commit: written into the log, it would empty lab.files.
    const forge = `SELECT {'path': 'x', 'deletionTimestamp': 0, 'dataChange': true} AS remove`
    const before = (await ws.run(['query', 'SELECT count(*)::INTEGER AS n FROM lab.files', '--json'])).json.rows
    for (const target of [commit, path.join(ws.home, 'labmesh.db'), path.join(ws.home, 'objects', 'x.jsonl')]) {
      const refused = await ws.run(['query', forge, '--format', 'jsonl', '--out', target, '--json'])
      expect(refused.code, target).to.equal(4)
      expect(refused.json.error.code).to.equal('FORBIDDEN')
      if (!target.endsWith('labmesh.db')) expect(existsSync(target), target).to.equal(false)
    }
    const packaged = await ws.run(['query', 'SELECT 1 AS a', '--package', path.join(ws.home, 'lake', 'pkg'), '--json'])
    expect(packaged.json.error.code).to.equal('FORBIDDEN')
    expect((await ws.run(['query', 'SELECT count(*)::INTEGER AS n FROM lab.files', '--json'])).json.rows).to.deep.equal(before)
    expect((await ws.run(['files', 'list', '--json'])).code).to.equal(0)

    const precious = ws.path('precious.txt')
    writeFileSync(precious, 'keep')
    symlinkSync(precious, ws.path('link.csv'))
    execFileSync('mkfifo', [ws.path('fifo.csv')])
    for (const name of ['link.csv', 'fifo.csv']) {
      const refused = await ws.run(['query', 'SELECT 1 AS a', '--out', ws.path(name), '--force', '--json'])
      expect(refused.code, name).to.equal(6)
      expect(refused.json.error.message, name).to.match(/symbolic link|FIFO/)
    }
    expect(readFileSync(precious, 'utf8')).to.equal('keep')
    const existing = ws.path('existing.csv')
    writeFileSync(existing, 'old')
    const conflict = await ws.run(['query', 'SELECT 1 AS a', '--out', existing, '--json'])
    expect(conflict.json.error.code).to.equal('CONFLICT')
    expect(readFileSync(existing, 'utf8')).to.equal('old')
    expect((await ws.run(['query', 'SELECT 1 AS a', '--out', existing, '--force'])).code).to.equal(0)
    expect(readFileSync(existing, 'utf8')).to.equal('a\n1\n')
  })

  it('answers every command-line mistake with USAGE (exit 2), under --json as one small error document', async () => {
    for (const args of [
      ['query', 'SELECT 1', '--bogus'],
      ['query', 'SELECT 1', '--limit', 'abc'],
      ['query', 'SELECT 1', '--format', 'xml'],
      ['query', '-- a comment\nSELECT 1'],
      ['files', 'list', '--since', 'notadate'],
      ['query', 'SELECT 1', '--as-of', 'lab.files=2024-02-30'],
      ['catalog', 'describe'],
    ]) {
      const result = await ws.run([...args, '--json'])
      expect(result.code, args.join(' ')).to.equal(2)
      expect(result.json.error.code, args.join(' ')).to.equal('USAGE')
      expect(result.stdout.length, args.join(' ')).to.be.lessThan(2000)
      expect(result.stdout).to.not.include(ws.configDir)
    }
    // After --, an argument that starts with - is the SQL (or the search), as the help says.
    const comment = await ws.run(['query', '--json', '--', '-- a comment\nSELECT 1 AS a'])
    expect(comment.code, comment.stdout).to.equal(0)
    expect(comment.json.rows).to.deep.equal([{a: 1}])
    expect((await ws.run(['query', '--help'])).stdout).to.include('put it after --')
    const pivot = await ws.run(['query', 'PIVOT lab.files ON category USING count(*)', '--json'])
    expect(pivot.code).to.equal(6)
    expect(pivot.json.error.message).to.include('PIVOT')
    const listed = await ws.run(['query', "PIVOT lab.files ON category IN ('RAW') USING count(*) AS n", '--json'])
    expect(listed.code, listed.stdout).to.equal(0)
  })

  it('writes every format to a file and to stdout, each reading back as the rows --json returns', async () => {
    const reference = (await ws.run(['query', FILES, '--json'])).json
    expect(reference.rows).to.have.length(5)
    // The rows as text cells, as CSV holds them: nested values as JSON.
    const asText = reference.rows.map((row: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [k, v === null ? null : typeof v === 'object' ? JSON.stringify(v) : String(v)]),
      ),
    )
    expect(reference.rows[0].ingested_at).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
    expect(reference.rows.every((r: {labels: string[]}) => r.labels.includes('site=boston'))).to.equal(true)
    for (const format of ['csv', 'tsv', 'json', 'jsonl', 'parquet']) {
      const file = ws.path(`files.${format}`)
      const written = await ws.run(['query', FILES, '--out', file, '--json'])
      expect(written.code, written.stderr).to.equal(0)
      expect(written.json).to.deep.include({rowCount: 5, file: {path: file, format, bytes: readFileSync(file).length}})
      const streamed = format === 'parquet' ? undefined : await ws.run(['query', FILES, '--format', format])
      if (streamed) expect(streamed.code, streamed.stderr).to.equal(0)
      const texts = [readFileSync(file, 'utf8'), streamed?.stdout]
      for (const [i, text] of texts.entries()) {
        if (text === undefined) continue
        const where = `${format} ${i === 0 ? 'file' : 'stdout'}`
        if (format === 'csv' || format === 'tsv') expect(readDelimited(text, format === 'csv' ? ',' : '\t'), where).to.deep.equal(asText)
        if (format === 'json') expect(JSON.parse(text), where).to.deep.equal(reference.rows)
        if (format === 'jsonl')
          expect(
            text
              .trimEnd()
              .split('\n')
              .map((line) => JSON.parse(line)),
            where,
          ).to.deep.equal(reference.rows)
      }
      if (format === 'parquet') {
        const back = await withConnection(async (c) =>
          (
            await c.runAndReadAll(
              "SELECT file_id, size, map_extract(metadata, 'instrument')[1] AS instrument, labels FROM read_parquet($file)",
              {file},
            )
          ).getRowObjectsJson(),
        )
        expect(back.map((r) => r.file_id)).to.deep.equal(reference.rows.map((r: {file_id: string}) => r.file_id))
        expect(back.map((r) => Number(r.size))).to.deep.equal(reference.rows.map((r: {size: number}) => r.size))
        expect(back.map((r) => r.instrument)).to.deep.equal(
          reference.rows.map((r: {metadata: {instrument?: string}}) => r.metadata.instrument ?? null),
        )
        expect(back.map((r) => r.labels)).to.deep.equal(reference.rows.map((r: {labels: string[]}) => r.labels))
      }
    }
    // Down a pipe, with no --format, rows come as CSV.
    const piped = await ws.run(['query', FILES])
    expect(readDelimited(piped.stdout, ',')).to.deep.equal(asText)
  })

  it('packages a result as a Data Package v2 that validates, records the query, and verifies', async () => {
    for (const format of ['csv', 'parquet']) {
      const dir = ws.path(`package-${format}`)
      const result = await ws.run([
        'query',
        'SELECT * FROM lab.plate_reader_measurement WHERE absorbance > $min',
        '--param',
        'min=0.1',
        '--package',
        dir,
        '--format',
        format,
        '--json',
      ])
      expect(result.code, result.stderr).to.equal(0)
      const descriptor = JSON.parse(readFileSync(path.join(dir, 'datapackage.json'), 'utf8'))
      expect(dataPackageErrors(descriptor), format).to.deep.equal([])
      const [resource] = descriptor.resources
      expect(resource).to.deep.include({
        name: 'result',
        path: `result.${format}`,
        format,
        bytes: readFileSync(path.join(dir, resource.path)).length,
      })
      expect(resource.mediatype).to.equal(format === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet')
      expect(resource.hash).to.match(/^sha256:[0-9a-f]{64}$/)
      const types = Object.fromEntries(resource.schema.fields.map((f: {name: string; type: string}) => [f.name, f.type]))
      expect(types).to.include({file_id: 'string', absorbance: 'number', absorbance_unit: 'string'})
      expect(descriptor.labmesh).to.include({
        sql: 'SELECT * FROM lab.plate_reader_measurement WHERE absorbance > $min',
        backend: 'local',
        profile: 'local',
        rows: result.json.rowCount,
      })
      expect(descriptor.labmesh.parameters).to.deep.equal({min: '0.1'})
      expect(descriptor.labmesh.engine).to.match(/^DuckDB v\d+\.\d+\.\d+$/)
      expect(Date.parse(descriptor.created)).to.be.closeTo(Date.now(), 120_000)
      expect(readdirSync(dir).sort()).to.deep.equal(['datapackage.json', `result.${format}`])
      const verified = await ws.run(['package', 'verify', dir, '--json'])
      expect(verified.code, verified.stdout).to.equal(0)
      expect(verified.json.valid).to.equal(true)
      if (format === 'csv') {
        const rows = readDelimited(readFileSync(path.join(dir, 'result.csv'), 'utf8'), ',')
        expect(rows).to.have.length(result.json.rowCount)
        expect(rows.every((r) => Number(r.absorbance) > 0.1)).to.equal(true)
        expect(Object.keys(rows[0])).to.deep.equal(resource.schema.fields.map((f: {name: string}) => f.name))
      }
    }
    // The schema catches what is wrong: a test of the validator itself.
    expect(
      dataPackageErrors({resources: [{name: 'r', path: '../r.csv', hash: 'sha256:xyz', schema: {fields: [{name: 'a', type: 'int'}]}}]}),
    ).to.have.length.greaterThan(2)
    const again = await ws.run(['query', 'SELECT 1', '--package', ws.path('package-csv'), '--json'])
    expect(again.code).to.equal(5)
    expect(again.json.error.code).to.equal('CONFLICT')
  })

  it('reads a table as it was at an earlier version or time (--as-of)', async () => {
    const before = (await ws.run(['catalog', 'history', 'lab.files', '--json'])).json.versions.at(-1)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const added = await ws.run(['ingest', path.join(INSTRUMENTS, 'roche_cedex_bioht', 'roche_cedex_bioht_example01.txt'), '--json'])
    expect((await ws.run(['convert', '--file-id', added.json.files[0].fileId])).code).to.equal(0)
    const count = async (...args: string[]): Promise<number> => {
      const result = await ws.run(['query', 'SELECT count(*)::INTEGER AS n FROM files', ...args, '--json'])
      expect(result.code, result.stdout).to.equal(0)
      return result.json.rows[0].n
    }
    expect(await count()).to.equal(6)
    expect(await count('--as-of', `lab.files=${before.version}`)).to.equal(5)
    expect(await count('--as-of', `files=${before.timestamp}`)).to.equal(5)
    expect(await count('--as-of', 'lab.files=0')).to.equal(0)
    const missing = await ws.run(['query', 'SELECT 1', '--as-of', 'lab.files=999', '--json'])
    expect(missing.code).to.equal(3)
    const bad = await ws.run(['query', 'SELECT 1', '--as-of', 'lab.files=last week', '--json'])
    expect(bad.code).to.equal(2)
  })

  it('queries tables registered from elsewhere', async () => {
    const registered = await ws.run([
      'catalog',
      'register',
      'shared.partitioned',
      path.join(DELTA_TABLES, 'delta-0.8.0-partitioned'),
      '--json',
    ])
    expect(registered.code, registered.stdout).to.equal(0)
    const result = await ws.run([
      'query',
      'SELECT year, count(*)::INTEGER AS n FROM shared.partitioned GROUP BY ALL ORDER BY ALL',
      '--json',
    ])
    expect(result.code, result.stdout).to.equal(0)
    const total = result.json.rows.reduce((sum: number, r: {n: number}) => sum + r.n, 0)
    expect(total).to.equal(JSON.parse(readFileSync(path.join(DELTA_TABLES, 'EXPECTED.json'), 'utf8'))['delta-0.8.0-partitioned'].rows)
  })

  it('refuses statements that write or read outside the lake, with exit code 4 and nothing on stdout', async () => {
    const target = ws.path('leak.csv')
    for (const sql of [
      `SELECT * FROM read_csv('/etc/passwd')`,
      `COPY (SELECT 1) TO '${target}'`,
      `ATTACH '${ws.path('x.duckdb')}'`,
      'CREATE TABLE t AS SELECT 1',
      'INSTALL httpfs',
    ]) {
      const result = await ws.run(['query', sql])
      expect(result.code, sql).to.equal(4)
      expect(result.stdout, sql).to.equal('')
      expect(result.stderr, sql).to.match(/^Error \[FORBIDDEN\]/)
    }
    expect(existsSync(target)).to.equal(false)
  })

  it('shows SQL errors with their position, and suggests the closest table names', async () => {
    const syntax = await ws.run(['query', 'SELECT count(*) FROM lab.files WHER size > 0'])
    expect(syntax.code).to.equal(6)
    expect(syntax.stderr).to.include('Error [INVALID_INPUT]: Parser Error: syntax error at or near "size"')
    expect(syntax.stderr).to.include('LINE 1: SELECT count(*) FROM lab.files WHER size > 0')
    expect(syntax.stderr).to.match(/\n\s+\^/)
    const unknown = await ws.run(['query', 'SELECT * FROM lab.plate_reader_measurment', '--json'])
    expect(unknown.code).to.equal(3)
    expect(unknown.json.error.suggestions[0]).to.include('lab.plate_reader_measurement')
  })

  it('reads the SQL from --file or stdin', async () => {
    const file = ws.path('count.sql')
    writeFileSync(file, '-- how many files\nSELECT count(*)::INTEGER AS n FROM lab.files;\n')
    const fromFile = await ws.run(['query', '--file', file, '--json'])
    expect(fromFile.code, fromFile.stdout).to.equal(0)
    const fromStdin = await runWithInput(ws, ['query', '--json'], readFileSync(file, 'utf8'))
    expect(fromStdin.code, fromStdin.stderr).to.equal(0)
    expect(JSON.parse(fromStdin.stdout).rows).to.deep.equal(fromFile.json.rows)
    const both = await ws.run(['query', 'SELECT 1', '--file', file])
    expect(both.code).to.equal(2)
  })

  it('cuts the table view at --limit and says so', async () => {
    const result = await ws.run(['query', 'SELECT * FROM lab.plate_reader_measurement', '--limit', '5', '--format', 'table'])
    expect(result.code).to.equal(0)
    expect(result.stdout).to.include('The first 5 rows; the result has more')
    const json = await ws.run(['query', 'SELECT * FROM lab.plate_reader_measurement', '--limit', '5', '--json'])
    expect(json.json.rows).to.have.length(5)
    expect(json.json.truncated).to.equal(true)
  })

  it('cancels on Ctrl-C with exit code 130, leaving no partial file', async () => {
    const out = ws.path('cancelled.parquet')
    const child = spawn(process.execPath, [BIN, 'query', 'SELECT range AS i, range * 2 AS j FROM range(100000000000)', '--out', out], {
      env: ws.env(),
      cwd: ws.root,
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    // Wait until DuckDB is writing (the partial file exists), then interrupt.
    const deadline = Date.now() + 60_000
    while (!readdirSync(ws.root).some((name) => name.startsWith('.cancelled.parquet.')) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50))
    expect(
      readdirSync(ws.root).some((name) => name.startsWith('.cancelled.parquet.')),
      'the export had started',
    ).to.equal(true)
    child.kill('SIGINT')
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, stderr).to.equal(130)
    expect(stderr).to.include('Error [CANCELLED]')
    expect(readdirSync(ws.root).filter((name) => name.includes('cancelled'))).to.deep.equal([])
  })
})
