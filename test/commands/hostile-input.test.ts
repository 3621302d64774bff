import {execFile, execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {BIN, type TestWorkspace} from '../support/cli.js'
import {convertedWorkspace} from '../support/converted-workspace.js'
import {runInProcess} from '../support/in-process.js'
import {queryTable} from '../support/lake.js'
import {DELTA_TABLES} from '../support/testdata.js'

/**
 * A fuzz-style sweep: a corpus of hostile command lines (paths, SQL, search strings, descriptors,
 * environments) run against a real converted workspace. None may exit 1 (an unexpected error),
 * hang, print anything but one JSON document under --json, or change a file anywhere but the one
 * folder outputs are allowed into. Real: the built CLI's commands (dist/), DuckDB, SQLite, files.
 * Most lines run in this process through oclif, as bin/run.js runs them, one after another; the
 * lines that could block a whole process (a FIFO, a device, /proc), that set the environment, or
 * that sample the rest end to end, run as subprocesses of bin/run.js.
 */

interface Hostile {
  args: string[]
  env?: Record<string, string>
  /** Run as a subprocess of the built CLI rather than in this process. */
  ownProcess?: boolean
}

interface Outcome extends Hostile {
  code: number | null
  stdout: string
  stderr: string
}

const ACTIVE = 'part-00000-04ec9591-0b73-459e-8d18-ba5711d6cbe1-c000.snappy.parquet'
const RUN_TIMEOUT_MS = 120_000
const AT_ONCE = 3

/** Every entry under `root`, links and special files described without being followed or read. */
function tree(root: string): Record<string, string> {
  const found: Record<string, string> = {}
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name)
      const info = lstatSync(full)
      const key = path.relative(root, full)
      if (info.isSymbolicLink()) found[key] = `link ${readlinkSync(full)}`
      else if (info.isDirectory()) {
        found[key] = 'folder'
        walk(full)
      } else if (info.isFile()) found[key] = `file ${createHash('sha256').update(readFileSync(full)).digest('hex')}`
      else found[key] = 'special'
    }
  }
  walk(root)
  return found
}

function run(ws: TestWorkspace, cwd: string, hostile: Hostile): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...hostile.args],
      {env: ws.env(hostile.env), cwd, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024},
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
        resolve({...hostile, code, stdout, stderr})
      },
    )
  })
}

async function runHere(ws: TestWorkspace, cwd: string, hostile: Hostile): Promise<Outcome> {
  const result = await runInProcess(hostile.args, {env: ws.env(hostile.env), cwd, timeoutMs: RUN_TIMEOUT_MS})
  return {...hostile, code: result.finished ? result.code : null, stdout: result.stdout, stderr: result.stderr}
}

/** Why an outcome breaks the rules, or undefined when it keeps them. */
function problem(outcome: Outcome): string | undefined {
  if (outcome.code === null) return 'did not finish (hung, or killed)'
  if (![0, 2, 3, 4, 5, 6].includes(outcome.code))
    return `exit code ${outcome.code}: ${outcome.stdout.slice(0, 300)} ${outcome.stderr.slice(0, 300)}`
  let json: {error?: {code?: unknown}}
  try {
    json = JSON.parse(outcome.stdout)
  } catch {
    return `stdout is not one JSON document: ${outcome.stdout.slice(0, 300)}`
  }
  if (outcome.code !== 0 && outcome.code !== 6 && typeof json.error?.code !== 'string') return `exit ${outcome.code} without an error code`
  return undefined
}

describe('hostile command lines', function () {
  this.timeout(1_800_000)
  let ws: TestWorkspace
  let sandbox: string
  let out: string
  let cwd: string
  let fileId: string

  before(async () => {
    let fileIds: Map<string, string>
    ;({ws, fileIds} = await convertedWorkspace())
    fileId = [...fileIds.values()][0]
    sandbox = ws.path('sandbox')
    out = ws.path('out')
    cwd = ws.path('cwd')
    for (const dir of [sandbox, out, cwd]) mkdirSync(dir)
    writeFileSync(path.join(sandbox, 'precious.txt'), 'keep me')
    symlinkSync(path.join(sandbox, 'precious.txt'), path.join(sandbox, 'link.csv'))
    symlinkSync(path.join(sandbox, 'nowhere'), path.join(sandbox, 'dangling.csv'))
    symlinkSync(ws.home, path.join(sandbox, 'workspace-link'))
    execFileSync('mkfifo', [path.join(sandbox, 'fifo')])
    mkdirSync(path.join(sandbox, 'folder.csv'))

    // A registered table one of whose data files is then swapped for a link to rows outside it.
    const linked = path.join(sandbox, 'linked-table')
    cpSync(path.join(DELTA_TABLES, 'delta-0.8.0'), linked, {recursive: true})
    execFileSync('chmod', ['-R', 'u+w', linked])
    expect((await ws.run(['catalog', 'register', 'fuzz.linked', linked])).code).to.equal(0)
    await queryTable(linked, () => `COPY (SELECT 424242 AS value) TO '${path.join(sandbox, 'outside.parquet')}' (FORMAT parquet)`)
    rmSync(path.join(linked, ACTIVE))
    symlinkSync(path.join(sandbox, 'outside.parquet'), path.join(linked, ACTIVE))
    // Tables whose logs name files elsewhere, for register.
    for (const [i, escape] of ['/etc/passwd', '../../outside.parquet', 'file:///etc/passwd'].entries()) {
      const dir = path.join(sandbox, `escaping-${i}`)
      cpSync(path.join(DELTA_TABLES, 'delta-0.8.0'), dir, {recursive: true})
      execFileSync('chmod', ['-R', 'u+w', dir])
      const commit = path.join(dir, '_delta_log', '00000000000000000001.json')
      writeFileSync(commit, readFileSync(commit, 'utf8').replace(`"path":"${ACTIVE}"`, `"path":${JSON.stringify(escape)}`))
    }
    // Data packages that are not what they claim.
    const fifoPackage = path.join(sandbox, 'fifo-package')
    mkdirSync(fifoPackage)
    execFileSync('mkfifo', [path.join(fifoPackage, 'datapackage.json')])
    const linkPackage = path.join(sandbox, 'link-package')
    mkdirSync(linkPackage)
    symlinkSync('/etc', path.join(linkPackage, 'etcdir'))
    writeFileSync(path.join(linkPackage, 'datapackage.json'), JSON.stringify({resources: [{name: 'p', path: 'etcdir/passwd', bytes: 1}]}))
    const echoPackage = path.join(sandbox, 'echo-package')
    mkdirSync(echoPackage)
    symlinkSync('/etc/passwd', path.join(echoPackage, 'datapackage.json'))
    mkdirSync(path.join(sandbox, 'folder-package', 'datapackage.json'), {recursive: true})
    writeFileSync(path.join(sandbox, 'home-file'), 'not a folder')
  })
  after(() => ws.remove())

  function corpus(): Hostile[] {
    const W = ws.home
    const S = sandbox
    const O = out
    const commit = path.join(W, 'lake', 'lab', 'files', '_delta_log', '00000000000000000099.json')
    const sql = [
      "COPY (SELECT 1) TO '/tmp/labmesh-fuzz.csv'",
      `COPY (SELECT 1 AS a) TO '${path.join(W, 'lake', 'x.csv')}'`,
      `ATTACH '${path.join(W, 'labmesh.db')}' AS db (TYPE sqlite)`,
      "SELECT * FROM read_csv('/etc/passwd')",
      `SELECT * FROM read_parquet('${path.join(S, 'outside.parquet')}')`,
      "SELECT * FROM glob('/*')",
      'INSTALL httpfs',
      'LOAD httpfs',
      'SET enable_external_access = true',
      'PRAGMA database_list',
      `EXPORT DATABASE '${path.join(O, 'export')}'`,
      'CREATE TABLE t AS SELECT 1',
      'DROP TABLE lab.files',
      'SELECT 1; SELECT 2',
      `SELECT 1; COPY (SELECT 1) TO '${path.join(W, 'y.csv')}'`,
      'EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1',
      'PIVOT lab.files ON category USING count(*)',
      'SELECT * FROM fuzz.linked',
      'SELECT * FROM lab.nope',
      'SELECT',
      '',
      ';;;',
      '/* unclosed',
      "SELECT 'unclosed",
      'SUMMARIZE lab.files',
      'DESCRIBE lab.files',
      'SHOW TABLES',
      `SELECT ${'('.repeat(5000)}1${')'.repeat(5000)}`,
      `SELECT ${Array.from({length: 8000}, (_, i) => `${i} AS c${i}`).join(', ')}`,
      "SELECT length(repeat('x', 100000000)) AS n",
      'SELECT * FROM range(10000000) t1, range(10000000) t2 LIMIT 5',
    ]
    const search = [
      `${'('.repeat(3000)}a${')'.repeat(3000)}`,
      Array.from({length: 10_000}, () => 'NOT a*').join(' '),
      Array.from({length: 200}, (_, i) => `size>${i}`).join(' OR '),
      `${'(x OR NOT '.repeat(16)}y${')'.repeat(16)}`,
      Array.from({length: 66}, (_, i) => `(w${i} -v${i} label.site:s${i})`).join(' OR '),
      '"unclosed',
      'time>=notadate',
      'size<1ZB',
      'field:',
      ':',
      '*',
      'NOT',
      'OR',
      'a OR',
      '(',
      ')',
      "'; DROP TABLE files; --",
      'NEAR(a b) {path} : x ^y',
      '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ﷽ \u202e',
      'label.:x metadata.:y',
      '-',
    ]
    return [
      // The first lines of each kind also run end to end, as a sample of the path every line shares.
      ...sql.map((text, i) => ({args: ['query', '--json', '--', text], ownProcess: i < 3 || undefined})),
      {args: ['query', 'SELECT $x AS v', '--param', 'x=1', '--json']},
      {args: ['query', 'SELECT $x + 1', '--param', 'x=1', '--json']},
      {args: ['query', 'SELECT 1', '--param', 'bad', '--json']},
      {args: ['query', 'SELECT 1', '--param', '=x', '--json']},
      {args: ['query', 'SELECT $a', '--param', 'a=1', '--param', 'a=2', '--json']},
      {args: ['query', 'SELECT 1', '--as-of', 'lab.files=2024-02-30', '--json']},
      {args: ['query', 'SELECT 1', '--as-of', 'lab.files=-1', '--json']},
      {args: ['query', 'SELECT 1', '--as-of', '../x=1', '--json']},
      {args: ['query', 'SELECT 1', '--as-of', 'lab.files=999999', '--json']},
      {args: ['query', 'SELECT 1', '--limit', '-5', '--json']},
      {args: ['query', 'SELECT 1', '--limit', '1e9', '--json']},
      {args: ['query', 'SELECT 1', '--format', 'xml', '--json']},
      {args: ['query', 'SELECT 1', '--bogus', '--json'], ownProcess: true},
      {args: ['query', '--file', path.join(S, 'fifo'), '--json']},
      {args: ['query', '--file', '/dev/zero', '--json']},
      {args: ['query', '--file', '/etc', '--json']},
      ...[
        commit,
        path.join(W, 'labmesh.db'),
        path.join(S, 'workspace-link', 'objects', 'x.csv'),
        path.join(S, 'linked-table', 'part-1.parquet'),
        path.join(S, 'link.csv'),
        path.join(S, 'dangling.csv'),
        path.join(S, 'fifo'),
        path.join(S, 'folder.csv'),
        path.join(S, 'precious.txt'),
        '/dev/null',
        path.join(S, 'precious.txt', 'below.csv'),
      ].map((target, i) => ({
        // A jsonl row shaped like a Delta remove action; or a plain result with --force.
        args:
          i % 2 === 0
            ? ['query', "SELECT {'path': 'x', 'dataChange': true} AS remove", '--format', 'jsonl', '--out', target, '--json']
            : ['query', 'SELECT 1 AS a', '--format', 'csv', '--out', target, '--force', '--json'],
      })),
      {args: ['query', 'SELECT 1 AS a', '--out', path.join(O, 'one.csv'), '--json']},
      {args: ['query', 'SELECT 1 AS a', '--out', path.join(O, 'one.unknown'), '--json']},
      {args: ['query', 'SELECT 1 AS a', '--package', path.join(W, 'pkg'), '--json']},
      {args: ['query', 'SELECT 1 AS a', '--package', path.join(S, 'precious.txt'), '--json']},
      {args: ['query', 'SELECT 1 AS a', '--package', path.join(S, 'workspace-link', 'lake', 'p'), '--json']},
      {args: ['query', 'SELECT 1 AS a', '--package', path.join(O, 'package'), '--json']},
      ...search.map((text, i) => ({args: ['search', '--json', '--', text], ownProcess: i < 2 || undefined})),
      {args: ['search', '', '--download', path.join(W, 'objects'), '--json']},
      {args: ['search', '', '--download', path.join(S, 'workspace-link', 'tmp'), '--json']},
      {args: ['search', '', '--download', path.join(S, 'precious.txt'), '--json']},
      {args: ['search', '', '--download', path.join(O, 'downloads'), '--json']},
      {args: ['search', '', '--sort', 'bogus', '--json']},
      {args: ['search', '', '--offset', '-1', '--json']},
      {args: ['search', '', '--facets', "x'; DROP TABLE files; --", '--json']},
      ...['../../etc/passwd', '%', '_', '', "' OR 1=1 --", '00000000'].map((id) => ({args: ['files', 'show', id, '--json']})),
      ...[path.join(S, 'precious.txt'), path.join(W, 'tmp'), path.join(S, 'workspace-link'), path.join(S, 'fifo'), '/proc/self'].map(
        (dir) => ({args: ['files', 'get', fileId, '--out-dir', dir, '--json']}),
      ),
      {args: ['files', 'get', fileId, '--out-dir', path.join(O, 'restored'), '--json']},
      {args: ['files', 'get', fileId, '--out', path.join(S, 'precious.txt'), '--json']},
      {args: ['files', 'get', fileId, '--out', path.join(W, 'objects', 'x'), '--json']},
      {args: ['files', 'list', '--since', 'notadate', '--json']},
      {args: ['files', 'list', '--until', '2024-02-30', '--json']},
      {args: ['files', 'list', '--metadata', "a'b=1", '--json']},
      {args: ['files', 'list', '--label', 'nolabel', '--json']},
      {args: ['files', 'list', '--limit', '0', '--json']},
      ...['a.b.c', '../x', 'lab.', '.files', 'lab.nope', "lab.'x"].map((name) => ({args: ['catalog', 'describe', name, '--json']})),
      {args: ['catalog', 'describe', 'fuzz.linked', '--sample', '5', '--json'], ownProcess: true},
      {args: ['catalog', 'history', '../../x', '--json']},
      ...[
        '/etc/passwd',
        '/',
        '/dev/null',
        path.join(S, 'fifo'),
        path.join(S, 'escaping-0'),
        path.join(S, 'escaping-1'),
        path.join(S, 'escaping-2'),
        path.join(S, 'nothing'),
      ].map((location) => ({args: ['catalog', 'register', 'fuzz.registered', location, '--json']})),
      {args: ['catalog', 'register', 'bad name!', S, '--json']},
      {args: ['lake', 'optimize', 'fuzz.linked', '--json'], ownProcess: true},
      {args: ['lake', 'vacuum', 'fuzz.linked', '--dry-run', '--json']},
      {args: ['lake', 'vacuum', 'lab.files', '--retention', '-1h', '--json']},
      {args: ['lake', 'vacuum', 'lab.files', '--retention', '0h', '--json']},
      {args: ['lake', 'vacuum', 'lab.files', '--retention', 'xyz', '--json']},
      {args: ['lake', 'optimize', 'lab.nope', '--json']},
      ...[
        path.join(S, 'fifo-package'),
        path.join(S, 'link-package'),
        path.join(S, 'echo-package'),
        path.join(S, 'folder-package'),
        path.join(S, 'fifo'),
        path.join(S, 'precious.txt'),
        '/etc',
        '/dev/null',
        path.join(S, 'nothing'),
      ].map((dir) => ({args: ['package', 'verify', dir, '--json']})),
      ...[
        '1=1) UNION ALL SELECT * FROM lab.files WHERE (1=1',
        '1); SELECT (1',
        "x IN (SELECT * FROM read_csv('/etc/passwd'))",
        '/*',
        '--',
      ].map((where) => ({args: ['package', 'pull', 'lab.files', '--json', '--out', path.join(O, 'never'), `--where=${where}`]})),
      {args: ['package', 'pull', 'lab.files', '--out', path.join(O, 'columns'), '--columns', '"; DROP TABLE x; --', '--json']},
      {args: ['package', 'pull', 'lab.files', '--out', path.join(W, 'lake', 'pulled'), '--json']},
      {args: ['package', 'pull', 'fuzz.linked', '--out', path.join(O, 'linked'), '--json']},
      {args: ['package', 'pull', 'lab.files', '--out', path.join(O, 'pulled'), '--as-of', '2024-02-30', '--json']},
      {args: ['package', 'pull', 'lab.files', '--out', path.join(O, 'pulled'), '--json']},
      {args: ['convert', 'file', path.join(S, 'fifo'), '--json']},
      {args: ['convert', 'file', '/dev/zero', '--json']},
      {args: ['convert', 'file', '/etc/passwd', '--out', path.join(S, 'link.csv'), '--json']},
      {args: ['convert', 'file', '/etc/passwd', '--out', path.join(W, 'doc.json'), '--json']},
      {args: ['convert', 'list', '--converter-module', path.join(S, 'fifo'), '--json']},
      {args: ['convert', 'list', '--converter-module', '/etc/passwd', '--json']},
      {args: ['convert', '--file-id', '../x', '--json']},
      {args: ['convert', '--converter', 'nope', '--json']},
      {args: ['convert', '--concurrency', '0', '--json']},
      {args: ['ingest', path.join(S, 'fifo'), '/dev/zero', '/proc/self/status', '--dry-run', '--json']},
      {args: ['ingest', S, '--template', '{a:BAD}/{', '--dry-run', '--json']},
      {args: ['files', 'list', '--json'], env: {LABMESH_HOME: path.join(S, 'home-file')}},
      {args: ['files', 'list', '--json'], env: {LABMESH_HOME: path.join(S, 'home-file', 'below')}},
      {args: ['files', 'list', '--json'], env: {LABMESH_HOME: '/proc/labmesh-fuzz/ws'}},
      {args: ['files', 'list', '--json'], env: {LABMESH_CONFIG_DIR: path.join(S, 'precious.txt')}},
      {args: ['files', 'list', '--json', '--profile', '../../etc/passwd']},
    ]
  }

  /** Lines that read a FIFO, a device or /proc could block a whole process; lines with an environment of their own need one. */
  function blocksOrSetsEnvironment({args, env}: Hostile): boolean {
    return env !== undefined || args.some((arg) => arg.includes(path.join(sandbox, 'fifo')) || /^\/(dev|proc)(\/|$)/.test(arg))
  }

  it('never exits 1, never hangs, and changes no file outside the output folder', async () => {
    const snapshot = (): unknown => ({
      lake: tree(path.join(ws.home, 'lake')),
      objects: tree(path.join(ws.home, 'objects')),
      sandbox: tree(sandbox),
      cwd: tree(cwd),
    })
    const records = async (): Promise<unknown> => ({
      files: (await ws.run(['files', 'list', '--all-versions', '--json'])).json,
      catalog: (await ws.run(['catalog', 'list', '--json'])).json,
      searches: (await ws.run(['search', 'list', '--json'])).json,
    })
    const before = snapshot()
    const recordsBefore = await records()
    const all = corpus().map((hostile) => ({...hostile, ownProcess: hostile.ownProcess ?? blocksOrSetsEnvironment(hostile)}))
    const here = all.filter((h) => !h.ownProcess)
    const apart = all.filter((h) => h.ownProcess)
    expect(apart.length).to.be.within(10, 40)
    const outcomes: Outcome[] = []
    await Promise.all([
      (async () => {
        for (const hostile of here) outcomes.push(await runHere(ws, cwd, hostile))
      })(),
      ...Array.from({length: AT_ONCE}, async () => {
        for (let next = apart.shift(); next; next = apart.shift()) outcomes.push(await run(ws, cwd, next))
      }),
    ])
    const broken = outcomes.flatMap((o) => {
      const why = problem(o)
      return why ? [`${o.args.join(' ').slice(0, 160)}${o.env ? ` ${JSON.stringify(o.env)}` : ''}: ${why}`] : []
    })
    expect(broken).to.deep.equal([])
    for (const outcome of outcomes) expect(outcome.stdout + outcome.stderr, outcome.args.join(' ').slice(0, 100)).to.not.include('424242')
    expect(snapshot()).to.deep.equal(before)
    expect(existsSync('/tmp/labmesh-fuzz.csv')).to.equal(false)
    expect(await records()).to.deep.equal(recordsBefore)
    // The allowed outputs were written where asked, and only there.
    expect(readdirSync(out).sort()).to.deep.equal(['downloads', 'one.csv', 'package', 'pulled', 'restored'])
  })
})
