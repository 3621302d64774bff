import {readFileSync} from 'node:fs'
import {expect} from 'chai'

import {TestWorkspace} from '../support/cli.js'

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string}

// Real: the built CLI, DuckDB and SQLite as the local backend loads them.
describe('labmesh version and --version', function () {
  this.timeout(120_000)
  const ws = new TestWorkspace()
  after(() => ws.remove())

  it('--version prints the package version', async () => {
    const result = await ws.run(['--version'])
    expect(result.code).to.equal(0)
    expect(result.stdout).to.match(new RegExp(`^labmesh/${PACKAGE.version.replaceAll('.', '\\.')} `))
  })

  it('version --json reports what a bug report needs', async () => {
    const result = await ws.run(['version', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    const report = result.json
    expect(report.labmesh).to.equal(PACKAGE.version)
    expect(report.node).to.equal(process.version)
    expect(report.platform).to.equal(`${process.platform}-${process.arch}`)
    expect(report.profile).to.include({backend: 'local', workspace: ws.home})
    expect(report.duckdb).to.match(/^v?\d+\.\d+\.\d+/)
    expect(report.sqlite).to.match(/^3\.\d+\.\d+$/)
  })

  it('still answers when the profile cannot be resolved, with the reason as a warning', async () => {
    const result = await ws.run(['version', '--json'], {env: {LABMESH_PROFILE: 'missing'}})
    expect(result.code, result.stderr).to.equal(0)
    expect(result.json.profile).to.equal(null)
    expect(result.json.profileError).to.contain('missing')
    expect(result.json.warnings[0].message).to.contain('missing')
    expect(result.json.sqlite).to.match(/^3\./)
  })

  it('doctor reports the same versions beside its checks', async () => {
    const result = await ws.run(['doctor', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.json.environment).to.include({labmesh: PACKAGE.version, node: process.version})
    expect(result.json.environment.duckdb).to.match(/^v?\d/)
    expect(result.json.checks).to.be.an('array').that.is.not.empty
  })
})
