import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'

import {TestWorkspace} from '../support/cli.js'

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** Real: the built CLI, and oclif itself run over the same package for the reference output. */
describe('labmesh --version', () => {
  let ws: TestWorkspace
  before(() => {
    ws = new TestWorkspace()
  })
  after(() => ws.remove())

  it('prints what oclif prints, without loading it', async () => {
    const fast = await ws.run(['--version'])
    expect(fast.code, fast.stderr).to.equal(0)
    const {version} = JSON.parse(readFileSync(path.join(PROJECT, 'package.json'), 'utf8')) as {version: string}
    expect(fast.stdout).to.equal(`labmesh/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
    const script = `const {execute} = await import('@oclif/core'); await execute({dir: ${JSON.stringify(path.join(PROJECT, 'bin', 'run.js'))}, args: ['--version']})`
    const oclif = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], {cwd: PROJECT}, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    )
    expect(fast.stdout).to.equal(oclif)
  })
})
