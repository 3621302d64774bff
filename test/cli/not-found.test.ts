import {spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'

import {TestWorkspace} from '../support/cli.js'

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/run.js')

// Real: the built CLI and its command_not_found hook, in a pipe as scripts and CI run it, and on a
// terminal (a pseudo-terminal that util-linux `script` opens) as a person types.
describe('a mistyped command or topic', function () {
  this.timeout(120_000)
  const ws = new TestWorkspace()
  after(() => ws.remove())

  it('names the closest command and exits 2 without running anything', async () => {
    const result = await ws.run(['quer', 'SELECT 1'])
    expect(result.code).to.equal(2)
    expect(result.stdout).to.equal('')
    expect(result.stderr).to.contain('Error [USAGE]: "quer" is not a labmesh command; did you mean "query"?')
    expect(result.stderr).to.contain("try: labmesh query 'SELECT 1'")
  })

  it('names the closest command of a mistyped topic, keeping the arguments and flags', async () => {
    const result = await ws.run(['catalg', 'describe', 'lab.files', '--sample', '5'])
    expect(result.code).to.equal(2)
    expect(result.stderr).to.contain('did you mean "catalog describe"?')
    expect(result.stderr).to.contain('try: labmesh catalog describe lab.files --sample 5')
    const topic = await ws.run(['catalg'])
    expect(topic.stderr).to.contain('did you mean "catalog"?')
  })

  it('answers --json with the error document, and says only where to look for words far from every command', async () => {
    const result = await ws.run(['catalog', 'lst', '--json'])
    expect(result.code).to.equal(2)
    expect(result.json.error.code).to.equal('USAGE')
    expect(result.json.error.message).to.contain('did you mean "catalog list"?')
    const far = await ws.run(['xyzzy'])
    expect(far.code).to.equal(2)
    expect(far.stderr).to.contain('"xyzzy" is not a labmesh command\n').and.to.contain('try: labmesh commands')
  })

  it('on a terminal, asks and runs the command meant once answered yes', async () => {
    const transcript = await onTerminal(`${process.execPath} ${BIN} quer 'SELECT 6 * 7 AS answer'`, /Run labmesh query/, '\r')
    expect(transcript).to.contain('"quer" is not a labmesh command. Run labmesh query')
    expect(transcript).to.match(/answer[\s\S]*42/)
  })

  it('on a terminal, runs nothing when answered no', async () => {
    const transcript = await onTerminal(`${process.execPath} ${BIN} quer 'SELECT 6 * 7 AS answer'`, /Run labmesh query/, 'n\r')
    expect(transcript).to.not.match(/\b42\b/)
    expect(transcript).to.contain('did you mean "query"?')
  })

  /** Runs a command line on a pseudo-terminal, types `answer` once `prompt` shows, and returns all it printed. */
  function onTerminal(commandLine: string, prompt: RegExp, answer: string): Promise<string> {
    return new Promise((resolve, reject) => {
      // A terminal of a real size: ora's spinner misdraws on the zero columns of a bare pseudo-terminal.
      const child = spawn('script', ['-qefc', `stty cols 100 rows 40; exec ${commandLine}`, '/dev/null'], {env: ws.env(), cwd: ws.root})
      const timer = setTimeout(() => child.kill(), 60_000)
      let transcript = ''
      let answered = false
      child.stdout.on('data', (chunk: Buffer) => {
        transcript += chunk.toString()
        if (!answered && prompt.test(transcript)) {
          answered = true
          child.stdin.write(answer)
        }
      })
      child.on('error', reject)
      child.on('close', () => {
        clearTimeout(timer)
        resolve(transcript)
      })
    })
  }
})
