import {execFile} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'

import {TestWorkspace} from '../../support/cli.js'
import {DELTA_TABLES} from '../../support/testdata.js'

// Real components: the built CLI run by bash as a CI job would, SQLite, DuckDB, and Delta
// tables written by Spark (registered in place from ../shared/testdata).
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/run.js')

const SHARES = `# who may read the shared tables
grants:
  - principal: bob
    table: shared.events
    permissions: [SELECT]
    columns: [value, year]
    row_filter: "year = '2020'"
  - principal: carol
    table: shared.*
    permissions: [SELECT, DESCRIBE]
`
const CHANGED = `principals:
  - principal: carol
    exclusive: true
grants:
  - principal: bob
    table: shared.events
    permissions: [SELECT]
    columns: [value, year]
    row_filter: "year = '2021'"
  - principal: carol
    table: shared.values
    permissions: [SELECT]
`

describe('labmesh catalog apply: declarative sharing for CI', function () {
  this.timeout(300_000)
  let ws: TestWorkspace

  before(async () => {
    ws = new TestWorkspace()
    for (const [name, folder] of [
      ['shared.events', 'delta-0.8.0-partitioned'],
      ['shared.values', 'delta-0.8.0'],
    ]) {
      const registered = await ws.run(['catalog', 'register', name, path.join(DELTA_TABLES, folder), '--json'])
      expect(registered.code, registered.stderr).to.equal(0)
    }
  })
  after(() => ws.remove())

  it('a CI script: apply, check (0), change the file, check (2), apply, check (0)', async () => {
    const shares = ws.path('shares.yaml')
    writeFileSync(shares, SHARES)
    writeFileSync(ws.path('changed.yaml'), CHANGED)
    const script = `set -u
labmesh() { node "${BIN}" "$@"; }
step() { "$@"; code=$?; echo "$* -> $code"; }
step labmesh catalog apply shares.yaml
step labmesh catalog apply shares.yaml --check
cp changed.yaml shares.yaml
step labmesh catalog apply shares.yaml --check
step labmesh catalog apply shares.yaml
step labmesh catalog apply shares.yaml --check
step labmesh catalog apply shares.yaml
`
    const {stdout, stderr} = await new Promise<{stdout: string; stderr: string}>((resolve) =>
      execFile('bash', ['-c', script], {cwd: ws.root, env: ws.env()}, (_error, out, err) => resolve({stdout: out, stderr: err})),
    )
    const codes = [...stdout.matchAll(/^labmesh (.*) -> (\d+)$/gm)].map((m) => [m[1], Number(m[2])])
    expect(codes, stdout + stderr).to.deep.equal([
      ['catalog apply shares.yaml', 0],
      ['catalog apply shares.yaml --check', 0],
      ['catalog apply shares.yaml --check', 2],
      ['catalog apply shares.yaml', 0],
      ['catalog apply shares.yaml --check', 0],
      ['catalog apply shares.yaml', 0],
    ])
    // The drifted check printed the diff: bob's old filter out, the new one in, carol's other grant out (exclusive).
    expect(stdout).to.contain(`- bob: SELECT on shared.events (columns value, year; rows where year = '2020')`)
    expect(stdout).to.contain(`+ bob: SELECT on shared.events (columns value, year; rows where year = '2021')`)
    expect(stdout).to.contain('- carol: SELECT, DESCRIBE on shared.*')
    expect(stdout).to.contain('+ carol: SELECT on shared.values')
    expect(stdout).to.contain('shares.yaml and the grants differ.')
    // Applying the same file again changed nothing.
    expect(stdout.trimEnd().split('\n').slice(-3).join('\n')).to.contain('0 to grant, 0 to revoke, 2 unchanged.')
  })

  it('the applied grants are what query --as enforces', async () => {
    const owner = await ws.run(['query', "SELECT count(*) AS n FROM shared.events WHERE year = '2021'", '--json'])
    const bob = await ws.run(['query', 'SELECT * FROM shared.events', '--as', 'bob', '--json'])
    expect(bob.code, bob.stderr).to.equal(0)
    expect(bob.json.columns.map((c: {name: string}) => c.name)).to.deep.equal(['value', 'year'])
    expect(bob.json.rows).to.have.length(Number(owner.json.rows[0].n))
    expect(bob.json.rows.every((r: {year: string}) => String(r.year) === '2021')).to.equal(true)
    const carol = await ws.run(['query', 'SELECT count(*) AS n FROM shared.events', '--as', 'carol', '--json'])
    expect(carol.code).to.equal(3)
  })

  it('--json gives the plan, and --check with --json still exits 2 on drift', async () => {
    writeFileSync(ws.path('more.yaml'), `grants:\n  - principal: dave\n    database: shared\n    permissions: [DESCRIBE]\n`)
    const check = await ws.run(['catalog', 'apply', 'more.yaml', '--check', '--json'])
    expect(check.code).to.equal(2)
    expect(check.json).to.deep.include({drift: true, applied: false})
    expect(check.json.plan.add).to.deep.equal([
      {principal: 'dave', resource: {kind: 'database', database: 'shared'}, permissions: ['DESCRIBE'], grantable: false},
    ])
  })

  it('refuses an invalid file with every problem and its line, changing nothing', async () => {
    writeFileSync(
      ws.path('bad.yaml'),
      `grants:\n  - principal: bob\n    table: shared.events\n    permissions: [SELECT]\n    row_filter: [a]\n  - principal: "not a principal!"\n    table: shared.events\n    permissions: [READ]\n`,
    )
    const bad = await ws.run(['catalog', 'apply', 'bad.yaml', '--json'])
    expect(bad.code).to.equal(6)
    expect(bad.json.error.message).to.contain('bad.yaml:5:17: grants[0].row_filter must be a string')
    expect(bad.json.error.message).to.contain('bad.yaml:8:18: grants[1].permissions: unknown permission READ')
    const missing = await ws.run(['catalog', 'apply', 'nope.yaml', '--json'])
    expect(missing.code).to.equal(3)
    const grants = await ws.run(['catalog', 'grants', '--json'])
    expect(grants.json.grants.map((g: {principal: string}) => g.principal)).to.deep.equal(['bob', 'carol'])
  })
})
