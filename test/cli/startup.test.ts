import {readFileSync} from 'node:fs'
import {expect} from 'chai'
import semver from 'semver'

import {TestWorkspace} from '../support/cli.js'

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {engines: {node: string}}

/** A module loaded before labmesh that records every module URL the process resolves, in the file $LABMESH_IMPORTS_LOG. */
const RECORD_IMPORTS = `data:text/javascript,${encodeURIComponent(`
import {register} from 'node:module'
register('data:text/javascript,' + encodeURIComponent(\`
import {appendFileSync} from 'node:fs'
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  appendFileSync(process.env.LABMESH_IMPORTS_LOG, resolved.url + '\\\\n')
  return resolved
}\`))
`)}`

/** The packages only the aws backend, warehouse connections and their commands need. */
const OPTIONAL = /\/node_modules\/(@aws-sdk|@smithy|pg|pg-pool|@opensearch-project|aws-cdk-lib|snowflake-sdk|fastify)\//

// Real: the built CLI under the Node.js running the tests, with module resolution recorded by a loader hook.
describe('start-up', function () {
  this.timeout(120_000)
  const ws = new TestWorkspace()
  after(() => ws.remove())

  async function imports(args: string[]): Promise<string[]> {
    const log = ws.path(`imports-${args.join('-').replaceAll(/\W/g, '_')}.log`)
    const result = await ws.run(args, {env: {LABMESH_IMPORTS_LOG: log, NODE_OPTIONS: `--import=${RECORD_IMPORTS}`}})
    expect(result.code, result.stderr).to.equal(0)
    return readFileSync(log, 'utf8').split('\n')
  }

  it('never loads the AWS SDK, pg or the OpenSearch client for --version and local commands', async () => {
    for (const args of [
      ['--version'],
      ['version', '--json'],
      ['catalog', 'list', '--json'],
      ['query', 'SELECT 1 AS one', '--json'],
      ['convert', '--json'],
    ]) {
      const loaded = await imports(args)
      expect(
        loaded.filter((url) => OPTIONAL.test(url)),
        args.join(' '),
      ).to.deep.equal([])
    }
    // The record sees packages: query loads DuckDB.
    expect((await imports(['query', 'SELECT 1 AS one', '--json'])).some((url) => url.includes('/node_modules/@duckdb/'))).to.equal(true)
  })

  it('answers --version without loading any package, and profile and help commands without DuckDB', async () => {
    expect((await imports(['--version'])).filter((url) => url.includes('/node_modules/'))).to.deep.equal([])
    for (const args of [['profile', 'show', '--json'], ['commands', '--json'], ['help']]) {
      const loaded = await imports(args)
      expect(
        loaded.filter((url) => /\/node_modules\/(@duckdb|better-sqlite3)\//.test(url) || OPTIONAL.test(url)),
        args.join(' '),
      ).to.deep.equal([])
      // The record sees packages: oclif itself.
      expect(
        loaded.some((url) => url.includes('/node_modules/@oclif/core/')),
        args.join(' '),
      ).to.equal(true)
    }
  })

  it('refuses a Node.js older than package.json `engines` names, saying which it needs, and starts on the ones it names', async () => {
    for (const version of ['18.19.0', '20.16.0', '20.17.0', '20.19.5', '21.7.3', '22.0.0', '24.11.1']) {
      const fake = `data:text/javascript,${encodeURIComponent(`Object.defineProperty(process.versions, 'node', {value: '${version}'})`)}`
      const result = await ws.run(['--version'], {env: {NODE_OPTIONS: `--import=${fake}`}})
      if (semver.satisfies(version, PACKAGE.engines.node)) {
        expect(result.code, `${version}: ${result.stderr}`).to.equal(0)
      } else {
        expect(result.code, version).to.equal(5)
        expect(result.stderr, version).to.contain(`this is Node.js ${version}`).and.to.contain('labmesh needs Node.js 20.17')
      }
    }
  })
})
