import {cpSync, mkdirSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {stripVTControlCharacters} from 'node:util'
import {expect} from 'chai'
import stringWidth from 'string-width'

import type {TestWorkspace} from '../support/cli.js'
import {convertedWorkspace} from '../support/converted-workspace.js'
import {runOnTerminal} from '../support/pty.js'
import {INSTRUMENTS} from '../support/testdata.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** The widest line a terminal shows: a spinner's redraws return to column 1 (CSI 1G or \r) and write over themselves. */
const widest = (text: string): number =>
  Math.max(
    ...text
      .split('\n')
      .flatMap((line) => line.split('\x1b[1G'))
      .flatMap((line) => line.split('\r'))
      .map((segment) => stringWidth(stripVTControlCharacters(segment))),
  )

describe('CLI conventions (docs/conventions.md), through the built CLI', function () {
  this.timeout(300_000)
  let ws: TestWorkspace
  let fileIds: Map<string, string>
  before(async () => {
    ;({ws, fileIds} = await convertedWorkspace())
  })
  after(() => ws.remove())

  it('down a pipe, every listing is tab-separated rows under a header, with whole ids and no box drawing or colour', async () => {
    const listings: [string[], string][] = [
      [['files', 'list'], 'file\tcategory\tv\tstatus\tsize\tsource\tmetadata\tlabels'],
      [['catalog', 'list'], 'table\tversion\trows\tfiles\tsize\tcolumns\tlocation'],
      [['catalog', 'history', 'lab.files'], 'version\ttime\toperation\treadable\tparameters'],
      [['convert', 'list'], 'converter\tversion\ttechnique\tdescription'],
      [['profile', 'list'], 'profile\tbackend\tdefault\tlocation'],
      [['search', 'label:boston'], 'file\tname\tcategory\tmetadata\tmatch\tscore'],
      [['search', 'list'], 'name\tquery\tsaved'],
      [['doctor'], 'check\tstatus\tdetail\tfix'],
      [['catalog', 'connect', '--list'], 'warehouse\ttarget\tschema\treads through\ttables\tconnected'],
    ]
    for (const [args, header] of listings) {
      const result = await ws.run(args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(0)
      // Several tables come as blocks apart by a blank line (doctor: the environment, then the checks).
      // Only the final line break goes: a last row may end in an empty field (a tab).
      const blocks = result.stdout.replace(/\n$/, '').split('\n\n')
      const lines = blocks.find((block) => block.startsWith(header + '\n') || block === header)?.split('\n') ?? blocks[0].split('\n')
      expect(lines[0], args.join(' ')).to.equal(header)
      expect(result.stdout, args.join(' ')).not.to.match(/[│┌─]/)
      expect(result.stdout, `${args.join(' ')}: no escape codes`).not.to.include('\x1b')
      for (const line of lines.slice(1)) expect(line.split('\t'), `${args.join(' ')}: ${line}`).to.have.length(header.split('\t').length)
    }
    const files = (await ws.run(['files', 'list'])).stdout.trimEnd().split('\n').slice(1)
    expect(files).to.have.length(10)
    for (const line of files) expect(line.split('\t')[0]).to.match(UUID)
    // Notes go to stderr, so that stdout holds rows only; an empty listing still prints its header.
    const none = await ws.run(['files', 'list', '--label', 'site=nowhere'])
    expect(none.stdout).to.equal('file\tcategory\tv\tstatus\tsize\tsource\tmetadata\tlabels\n')
    expect(none.stderr).to.equal('No files match.\n')
    const noConnections = await ws.run(['catalog', 'connect', '--list'])
    expect(noConnections.stdout).to.equal('warehouse\ttarget\tschema\treads through\ttables\tconnected\n')
    expect(noConnections.stderr).to.match(/^No connections\. Connect a warehouse with `labmesh catalog connect redshift`/)
    const limited = await ws.run(['files', 'list', '--limit', '3'])
    expect(limited.stdout.trimEnd().split('\n')).to.have.length(4)
    expect(limited.stderr).to.include('The first 3 files are shown; more match: --offset 3')
    const json = await ws.run(['files', 'list', '--limit', '3', '--json'])
    expect(json.json.files).to.have.length(3)
    expect(json.json.truncated).to.equal(true)
    expect(json.json.warnings[0].message).to.include('--offset 3')
  })

  it('keys, paths, webhooks, grants and watch status list as the older listings do: TSV down a pipe, notes on stderr, fitted or --wide on a terminal', async () => {
    const spool = ws.path('empty-spool')
    mkdirSync(spool, {recursive: true})
    const listings: {args: string[]; header: string; empty: RegExp}[] = [
      {args: ['keys', 'list'], header: 'id\tname\tscopes\ttables\tcreated\texpires\tlast used\tstate', empty: /^No API keys\. Create one/},
      {args: ['paths', 'list'], header: 'name\tfolder\thost\tstable\tconvert\tarchive to', empty: /^No monitored paths\./},
      {
        args: ['watch', 'status'],
        header: 'path\tseen\tpending\tspooled\tingested\tconverted\tfailed\tlast scan\tlast error',
        empty: /^No monitored paths\./,
      },
      {
        args: ['webhooks', 'list'],
        header: 'id\turl\tevents\tprivate targets\tgive up after\tcreated\told secret signs until',
        empty: /^No webhooks\./,
      },
      {
        args: ['webhooks', 'deliveries'],
        header: 'delivery\twebhook\tevent\tstate\tattempts\tlast answer\tnext attempt\tevent time',
        empty: /^No deliveries\./,
      },
      {args: ['catalog', 'grants'], header: 'principal\tresource\tpermissions\tcolumns and rows\tgrantable', empty: /^No grants\./},
      {args: ['catalog', 'grants', '--history'], header: 'time\tactor\tchange\tcommand', empty: /^No changes recorded\./},
    ]
    // Empty: stdout holds the header line alone, the note goes to stderr.
    for (const {args, header, empty} of listings) {
      const none = await ws.run(args)
      expect(none.code, `${args.join(' ')}: ${none.stderr}`).to.equal(0)
      expect(none.stdout, args.join(' ')).to.equal(header + '\n')
      expect(none.stderr, args.join(' ')).to.match(empty)
    }

    const longName = 'eln-sync-for-the-plate-readers-on-the-third-floor-of-building-b'
    const hookUrl = 'http://127.0.0.1:9/hooks/labmesh/a-receiver-path-long-enough-to-be-cut-on-a-narrow-terminal'
    for (const args of [
      ['keys', 'create', '--name', longName, '--scope', 'search', '--tables', 'lab.files', '--expires', '90d', '--json'],
      ['paths', 'add', INSTRUMENTS, '--name', 'instruments', '--json'],
      ['webhooks', 'add', hookUrl, '--events', 'file.ingested,file.deleted', '--allow-private', '--json'],
      ['catalog', 'share', 'lab.files', '--principal', 'bob', '--permissions', 'SELECT', '--json'],
    ]) {
      const made = await ws.run(args)
      expect(made.code, `${args.join(' ')}: ${made.stderr}`).to.equal(0)
    }
    for (const {args, header} of listings.filter((l) => l.args[1] !== 'deliveries')) {
      const piped = await ws.run(args)
      expect(piped.code, `${args.join(' ')}: ${piped.stderr}`).to.equal(0)
      const lines = piped.stdout.replace(/\n$/, '').split('\n')
      expect(lines[0], args.join(' ')).to.equal(header)
      expect(lines.length, args.join(' ')).to.be.at.least(2)
      for (const line of lines.slice(1)) expect(line.split('\t'), `${args.join(' ')}: ${line}`).to.have.length(header.split('\t').length)
      expect(piped.stdout, args.join(' ')).not.to.match(/[│┌─]/)
      expect(piped.stdout, `${args.join(' ')}: no escape codes`).not.to.include('\x1b')
      expect(piped.stderr, `${args.join(' ')}: nothing for people mixed in`).to.equal('')
    }
    // Whole values down a pipe: the key's full times, the whole URL.
    const keyRow = (await ws.run(['keys', 'list'])).stdout.trimEnd().split('\n')[1].split('\t')
    expect(keyRow[1]).to.equal(longName)
    expect(keyRow[4]).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect((await ws.run(['webhooks', 'list'])).stdout).to.include(`\t${hookUrl}\t`)
    // The spool comes as a second block, field and value, after a blank line.
    const withSpool = await ws.run(['watch', 'status', '--spool', spool])
    const [paths, spoolBlock] = withSpool.stdout.trimEnd().split('\n\n')
    expect(paths.split('\n')[1]).to.match(/^instruments\t0\t/)
    expect(spoolBlock.split('\n')).to.deep.equal(['field\tvalue', `spool\t${spool}`, 'waiting\t0 file(s), 0 bytes', 'set aside\t0'])
    // --json is unchanged: the records, no table.
    expect((await ws.run(['keys', 'list', '--json'])).json.keys[0]).to.include({name: longName, state: 'active'})

    for (const {args} of listings.filter((l) => l.args[1] !== 'deliveries')) {
      const fitted = await runOnTerminal(ws, args, {columns: 60})
      expect(fitted.code, `${args.join(' ')}: ${fitted.output}`).to.equal(0)
      expect(fitted.output, args.join(' ')).to.include('│')
      expect(widest(fitted.output), args.join(' ')).to.be.at.most(60)
    }
    const keys = await runOnTerminal(ws, ['keys', 'list'], {columns: 60})
    expect(keys.output).to.include('…').and.not.include(longName)
    const wideKeys = await runOnTerminal(ws, ['keys', 'list', '--wide'], {columns: 60})
    expect(wideKeys.output).to.include(longName)
    const wideHooks = await runOnTerminal(ws, ['webhooks', 'list', '--wide'], {columns: 60})
    expect(wideHooks.output).to.include(hookUrl)
    const widePaths = await runOnTerminal(ws, ['paths', 'list', '--wide'], {columns: 60})
    expect(widePaths.output).to.include(INSTRUMENTS)
    for (const args of [
      ['catalog', 'grants', '--wide'],
      ['watch', 'status', '--wide'],
    ]) {
      const wide = await runOnTerminal(ws, args, {columns: 60})
      expect(wide.code, `${args.join(' ')}: ${wide.output}`).to.equal(0)
      expect(wide.output, args.join(' ')).not.to.include('…')
    }
    // The other tests here ingest: no deliveries to a receiver that is not there.
    const hooks = (await ws.run(['webhooks', 'list', '--json'])).json.webhooks as {webhookId: string}[]
    for (const hook of hooks) expect((await ws.run(['webhooks', 'remove', hook.webhookId])).code).to.equal(0)
  })

  it('on a terminal, tables fit its width (COLUMNS too), cutting cells with an ellipsis; --wide shows them whole', async () => {
    const commands = [
      ['files', 'list'],
      ['catalog', 'list'],
      ['catalog', 'history', 'lab.plate_reader_measurement'],
      ['catalog', 'describe', 'lab.files', '--sample', '3'],
      ['convert', 'list'],
      ['query', 'SELECT * FROM lab.files'],
      ['search', 'label:boston', '--limit', '5'],
      ['doctor'],
    ]
    for (const args of commands) {
      const fitted = await runOnTerminal(ws, args, {columns: 72})
      expect(fitted.code, `${args.join(' ')}: ${fitted.output}`).to.equal(0)
      expect(fitted.output, args.join(' ')).to.include('│')
      expect(widest(fitted.output), args.join(' ')).to.be.at.most(72)
    }
    const narrow = await runOnTerminal(ws, ['files', 'list'], {columns: 140, env: {COLUMNS: '60'}})
    expect(widest(narrow.output), 'COLUMNS wins over the terminal').to.be.at.most(60)
    expect(narrow.output).to.include('…')
    // A long report lists the first 50 and says how many there are.
    const dry = await runOnTerminal(ws, ['ingest', INSTRUMENTS, '--exclude', '*.json', '--dry-run'], {columns: 100})
    expect(dry.output).to.match(/The first 50 of \d+ files to store are shown; --json lists them all\./)
    const wide = await runOnTerminal(ws, ['files', 'list', '--wide'], {columns: 72})
    expect(wide.output).not.to.include('…')
    expect(wide.output).to.include(path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'))
    // Each row's full file id is there, not only the 8 characters tables show.
    expect(stripVTControlCharacters(wide.output)).to.include(fileIds.get('BMG Labtech format.CSV')!.slice(0, 8))
  })

  it('on a terminal that reports 0 columns, progress stays silent and the result comes at once', async () => {
    const query = await runOnTerminal(ws, ['query', 'SELECT count(*) AS n FROM range(300000000)'], {columns: 0, timeoutMs: 120_000})
    expect(query.timedOut, 'the spinner must not take over').to.equal(false)
    expect(query.code, query.output).to.equal(0)
    expect(query.output).to.include('300000000')
    expect(query.bytes).to.be.below(4096)
    expect(query.output).not.to.include('\x1b[1A')
    const ingest = await runOnTerminal(ws, ['ingest', path.join(INSTRUMENTS, 'bmg_mars'), '--dry-run'], {columns: 0})
    expect(ingest.code, ingest.output).to.equal(0)
    expect(ingest.output).to.include('Dry run: nothing was stored.')
    expect(ingest.bytes).to.be.below(16_384)
  })

  it('query --json holds every row of a result larger than any page, streamed; --limit cuts it and says so', async () => {
    const sql = 'SELECT range AS i, range * 2 AS j FROM range(25000)'
    const all = await ws.run(['query', sql, '--json'])
    expect(all.code, all.stderr).to.equal(0)
    expect(all.json.sql).to.equal(sql)
    expect(all.json.rows).to.have.length(25_000)
    expect(all.json.rows[24_999]).to.deep.equal({i: 24_999, j: 49_998})
    expect(all.json).to.include({rowCount: 25_000, truncated: false, complete: true})
    const cut = await ws.run(['query', sql, '--json', '--limit', '10'])
    expect(cut.json.rows).to.have.length(10)
    expect(cut.json).to.include({rowCount: 10, truncated: true, complete: false})
    expect(cut.json.warnings[0].message).to.include('--limit')
    const exact = await ws.run(['query', 'SELECT * FROM range(10)', '--json', '--limit', '10'])
    expect(exact.json).to.include({rowCount: 10, truncated: false, complete: true})
    // --limit cuts a pipe too (and says so on stderr); without it a pipe gets every row.
    const piped = await ws.run(['query', sql, '--limit', '7'])
    expect(piped.stdout.trimEnd().split('\n')).to.have.length(8)
    expect(piped.stderr).to.include('The first 7 rows; the result has more')
    const every = await ws.run(['query', sql, '--format', 'TSV'])
    expect(every.stdout.trimEnd().split('\n')).to.have.length(25_001)
    const refused = await ws.run(['query', sql, '--out', ws.path('all.csv'), '--limit', '5', '--json'])
    expect(refused.code).to.equal(2)
    expect(refused.json.error.code).to.equal('USAGE')
  })

  it('takes the old spellings of renamed flags, with a warning naming the new one', async () => {
    const pkg = await ws.run(['query', 'SELECT * FROM lab.files', '--package', ws.path('pkg'), '--package-format', 'parquet'])
    expect(pkg.code, pkg.stderr).to.equal(0)
    expect(pkg.stderr).to.match(/--package-format.*deprecated.*--format/s)
    expect(readdirSync(ws.path('pkg')).sort()).to.deep.equal(['datapackage.json', 'result.parquet'])
    const pulled = await ws.run(['package', 'pull', 'lab.files', '--out', ws.path('pulled')])
    expect(pulled.code, pulled.stderr).to.equal(0)
    expect(pulled.stderr).to.match(/--out.*deprecated.*--out-dir/s)
    // --as-of takes query's database.table=VERSION form too, for the table pulled.
    const asOf = await ws.run(['package', 'pull', 'lab.files', '--out-dir', ws.path('v1'), '--as-of', 'lab.files=1', '--json'])
    expect(asOf.code, asOf.stdout).to.equal(0)
    expect(JSON.parse(readFileSync(ws.path('v1', 'datapackage.json'), 'utf8')).labmesh.asOf).to.deep.equal({'lab.files': 1})
    const otherTable = await ws.run(['package', 'pull', 'lab.files', '--out-dir', ws.path('v2'), '--as-of', 'lab.plate_reader=1'])
    expect(otherTable.code).to.equal(2)
    expect(otherTable.stderr).to.include('--as-of names lab.plate_reader, but the table read is lab.files')
    const registered = await ws.run(['catalog', 'register', 'shared.files', path.join(ws.home, 'lake', 'lab', 'files')])
    expect(registered.code, registered.stderr).to.equal(0)
    const replaced = await ws.run(['catalog', 'register', 'shared.files', path.join(ws.home, 'lake', 'lab', 'plate_reader'), '--replace'])
    expect(replaced.code, replaced.stderr).to.equal(0)
    expect(replaced.stderr).to.match(/--replace.*deprecated.*--force/s)
    await ws.run(['catalog', 'unregister', 'shared.files'])
    // files get --out names a file now; an existing folder still works, with a warning.
    const bmg = fileIds.get('BMG Labtech format.CSV')!
    const asFile = await ws.run(['files', 'get', bmg, '--out', ws.path('plate.csv'), '--json'])
    expect(asFile.json.path).to.equal(ws.path('plate.csv'))
    mkdirSync(ws.path('restored'))
    const intoFolder = await ws.run(['files', 'get', bmg, '--out', ws.path('restored')])
    expect(intoFolder.code, intoFolder.stderr).to.equal(0)
    expect(intoFolder.stderr).to.include('say --out-dir')
    expect(readdirSync(ws.path('restored'))).to.deep.equal(['BMG Labtech format.CSV'])
    // Choices are matched whatever their case.
    const raw = await ws.run(['files', 'list', '--category', 'raw', '--status', 'CONVERTED', '--json'])
    expect(raw.json.files).to.have.length(5)
    const sorted = await ws.run(['search', '', '--category', 'Engineered', '--sort', 'PATH', '--json'])
    expect(sorted.json.total).to.equal(5)
    const bad = await ws.run(['files', 'list', '--category', 'cooked'])
    expect(bad.code).to.equal(2)
    expect(bad.stderr).to.include('"cooked" is not one of RAW, ENGINEERED').and.include('--category RAW')
  })

  it('messages name the next step: time formats, id prefixes, vacuum retention, converted rows', async () => {
    const yesterday = await ws.run(['files', 'list', '--since', 'yesterday'])
    expect(yesterday.code).to.equal(2)
    expect(yesterday.stderr).to.include('"yesterday" is not a time').and.include('2026-11-30').and.include('7d')
    const today = new Date().toISOString().slice(0, 10)
    const before = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
    expect((await ws.run(['files', 'list', '--until', today, '--json'])).json.files, '--until a date includes that day').to.have.length(10)
    expect((await ws.run(['files', 'list', '--until', before, '--json'])).json.files).to.have.length(0)
    expect((await ws.run(['files', 'list', '--since', today, '--json'])).json.files).to.have.length(10)
    expect((await ws.run(['files', 'list', '--since', '1h', '--json'])).json.files).to.have.length(10)

    const short = await ws.run(['files', 'show', fileIds.get('BMG Labtech format.CSV')!.slice(0, 3)])
    expect(short.code).to.equal(2)
    expect(short.stderr).to.include('give at least 4 characters')

    const vacuum = await ws.run(['lake', 'vacuum', 'lab.files', '--retention', '1h'])
    expect(vacuum.code).to.equal(6)
    expect(vacuum.stderr).to.include('pass --force')

    const converted = await ws.run(['convert', '--reconvert', '--file-id', fileIds.get('BMG Labtech format.CSV')!, '--json'])
    expect(converted.json.files[0].tables).to.deep.include({'lab.files': 1, 'lab.plate_reader_measurement': 96})
    expect(converted.json.rowsWritten).to.deep.include({'lab.plate_reader_measurement': 96})
    const human = await ws.run(['convert', '--reconvert', '--file-id', fileIds.get('BMG Labtech format.CSV')!])
    expect(human.stderr).to.include('Rows written: ').and.include('lab.plate_reader_measurement 96')
    expect(human.stderr).to.include("`labmesh query 'SELECT * FROM lab.plate_reader_measurement LIMIT 10'`")
    const shown = await ws.run(['files', 'show', fileIds.get('BMG Labtech format.CSV')!, '--json'])
    expect(shown.json.tables).to.deep.include({table: 'lab.plate_reader_measurement', rows: 96, managed: true})
  })

  it('catalog history shows the values a commit replaced rows by; --as-of a vacuumed version names those left', async () => {
    const history = await ws.run(['catalog', 'history', 'lab.plate_reader_measurement', '--json'])
    const writes = history.json.versions.filter((v: any) => v.parameters?.predicate)
    expect(writes.length).to.be.greaterThan(0)
    for (const v of writes) expect(v.parameters.predicate).not.to.include('$file_')
    expect(writes.at(-1).parameters.predicate).to.include(`'${fileIds.get('BMG Labtech format.CSV')}'`)

    const latest = history.json.versions.at(-1).version
    const vacuumed = await ws.run(['lake', 'vacuum', 'lab.plate_reader_measurement', '--retention', '0h', '--force', '--json'])
    expect(vacuumed.json.files.length).to.be.greaterThan(0)
    const old = await ws.run([
      'query',
      'SELECT count(*) FROM lab.plate_reader_measurement',
      '--as-of',
      'lab.plate_reader_measurement=1',
      '--json',
    ])
    expect(old.code, old.stdout).to.equal(3)
    expect(old.json.error.code).to.equal('NOT_FOUND')
    expect(old.json.error.message).to.match(/^version 1 of lab\.plate_reader_measurement was vacuumed: \d+ of its \d+ data files are gone$/)
    // Version 0 made the table and holds no file: it stays readable (empty).
    expect(old.json.error.suggestions[0]).to.equal(`versions still readable: 0, ${latest}`)
    const current = await ws.run([
      'query',
      'SELECT count(*) AS n FROM lab.plate_reader_measurement',
      '--as-of',
      `lab.plate_reader_measurement=${latest}`,
      '--json',
    ])
    expect(current.code, current.stdout).to.equal(0)
    const after = await ws.run(['catalog', 'history', 'lab.plate_reader_measurement', '--json'])
    expect(after.json.versions.filter((v: any) => v.readable).map((v: any) => v.version)).to.deep.equal([0, latest])
  })

  it('globs without a slash match file names at any depth, as people expect', async () => {
    const drop = ws.path('globs')
    mkdirSync(path.join(drop, 'run-1', 'plates'), {recursive: true})
    cpSync(path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'), path.join(drop, 'run-1', 'plates', 'a.csv'))
    cpSync(
      path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV.expected.json'),
      path.join(drop, 'run-1', 'plates', 'a.csv.expected.json'),
    )
    cpSync(path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'), path.join(drop, 'top.csv'))
    const excluded = await ws.run(['ingest', drop, '--exclude', '*.expected.json', '--dry-run', '--json'])
    expect(excluded.json.files.map((f: any) => path.relative(drop, f.sourcePath)).sort()).to.deep.equal(['run-1/plates/a.csv', 'top.csv'])
    const underRun = await ws.run(['ingest', drop, '--include', 'run-1/**/*.csv', '--dry-run', '--json'])
    expect(underRun.json.files.map((f: any) => path.relative(drop, f.sourcePath))).to.deep.equal(['run-1/plates/a.csv'])
  })
})
