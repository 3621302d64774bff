import {expect} from 'chai'

import {TestWorkspace} from '../support/cli.js'

/**
 * Real: the built CLI in a subprocess, on an empty workspace. Every command-line mistake, whether
 * oclif's parser finds it (unknown flag, missing value, bad choice, failed flag rule) or the
 * command does after parsing, is USAGE with exit 2: one small error document under --json, and
 * `Error [USAGE]` with the command's help as the next step on a terminal.
 */
describe('command-line mistakes', function () {
  this.timeout(300_000)
  const ws = new TestWorkspace()
  after(() => ws.remove())

  const mistakes = [
    {args: ['query', 'SELECT 1', '--bogus'], says: 'Nonexistent flag: --bogus', help: 'labmesh query --help'},
    {args: ['files', 'list', '--limit'], says: '--limit expects a value', help: 'labmesh files list --help'},
    {args: ['search', 'x', '--sort', 'bogus'], says: '"bogus" is not one of score, time, path', help: 'labmesh search --help'},
    {args: ['lake', 'vacuum', 'lab.files', '--retention', 'xyz'], says: 'is not a duration', help: 'labmesh lake vacuum --help'},
    {args: ['files', 'show'], says: 'Missing 1 required arg', help: 'labmesh files show --help'},
    // Found by the command itself, after oclif parsed the line.
    {args: ['files', 'label', 'abcd'], says: 'give labels to add', help: 'labmesh files label 3f2a9c1e site=boston'},
    {
      args: ['catalog', 'connect', 'snowflake'],
      says: 'connecting Snowflake needs --account',
      help: 'labmesh catalog connect snowflake --help',
    },
  ]

  it('answers each under --json with {"error": {"code": "USAGE"}} and exit 2', async () => {
    const results = await Promise.all(mistakes.map(({args}) => ws.run([...args, '--json'])))
    for (const [i, {args, says, help}] of mistakes.entries()) {
      const {code, json, stdout} = results[i]
      const line = args.join(' ')
      expect(code, `${line}: ${stdout}`).to.equal(2)
      expect(json?.error?.code, line).to.equal('USAGE')
      expect(json.error.message, line).to.include(says)
      expect(json.error.suggestions, line).to.include(help)
      expect(json.error, line).to.not.have.property('oclif')
    }
  })

  it('prints each on stderr as Error [USAGE] with the help to try, and nothing on stdout', async () => {
    const results = await Promise.all(mistakes.map(({args}) => ws.run(args)))
    for (const [i, {args, says, help}] of mistakes.entries()) {
      const {code, stdout, stderr} = results[i]
      const line = args.join(' ')
      expect(code, `${line}: ${stderr}`).to.equal(2)
      expect(stdout, line).to.equal('')
      expect(stderr, line).to.match(/^Error \[USAGE\]: /)
      expect(stderr, line).to.include(says).and.include(`try: ${help}`)
    }
  })
})
