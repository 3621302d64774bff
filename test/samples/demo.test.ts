import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

const DEMO = path.resolve(import.meta.dirname, '..', '..', 'samples', 'demo.sh')

/**
 * `npm run demo` (samples/demo.sh after the build) down pipes, as CI or `npm run demo > log` runs
 * it: the whole pipeline on the shipped sample exports with the built CLI, and not one terminal
 * escape on stdout or stderr. The environment is only what the demo needs: no TERM, SHELL or LANG.
 */
describe('npm run demo, down a pipe', function () {
  this.timeout(600_000)
  let dir: string
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'labmesh-demo-'))
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('runs the whole pipeline and prints no escape sequences', async () => {
    const {code, stdout, stderr} = await new Promise<{code: number | null; stdout: string; stderr: string}>((resolve, reject) => {
      const child = spawn('bash', [DEMO], {cwd: dir, env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir}, stdio: ['ignore', 'pipe', 'pipe']})
      const out: Buffer[] = []
      const err: Buffer[] = []
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
      child.on('error', reject)
      child.on('close', (exit) => resolve({code: exit, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8')}))
    })
    expect(code, stderr).to.equal(0)
    // Every step ran: each is announced, and the last one verified the package.
    for (const step of ['ingest', 'files list', 'convert', 'catalog list', 'search', 'query', 'package verify'])
      expect(stdout).to.include(`$ labmesh ${step}`)
    expect(stdout).to.include('The workspace is in')
    for (const [name, output] of [
      ['stdout', stdout],
      ['stderr', stderr],
    ]) {
      // ESC starts every ANSI sequence (CSI colours, cursor moves); C1's CSI (U+009B) is the other way in.
      const at = [...output].findIndex((c) => c === '\u001b' || c === '\u009b')
      expect(at, `${name} holds an escape: ${JSON.stringify(output.slice(Math.max(0, at - 40), at + 40))}`).to.equal(-1)
    }
  })
})
