import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'
import {expect} from 'chai'

import {TestWorkspace} from '../support/cli.js'
import {DELTA_TABLES} from '../support/testdata.js'

const exec = promisify(execFile)

// Real: the built CLI writes the scripts and the known-values cache from a real catalog (a Delta
// table written by Spark, registered), and real bash, zsh and fish run the scripts.
describe('shell completion', function () {
  this.timeout(300_000)
  const ws = new TestWorkspace()
  let scripts: {bash: string; zsh: string; fish: string}

  before(async () => {
    const init = await ws.run(['init', '--profile', 'lab', '--backend', 'local', '--home', ws.home, '--default', '--json'])
    expect(init.code, init.stderr).to.equal(0)
    const setUp = await ws.run(['autocomplete', 'bash', '--json'])
    expect(setUp.code, setUp.stderr).to.equal(0)
    scripts = setUp.json.scripts
    expect(setUp.json.setup.join('\n')).to.contain(`source ${scripts.bash}`)
    const registered = await ws.run(['catalog', 'register', 'shared.simple', path.join(DELTA_TABLES, 'simple_table_with_checkpoint')])
    expect(registered.code, registered.stderr).to.equal(0)
    const saved = await ws.run(['search', 'save', 'boston-elisa', 'label.site:boston'])
    expect(saved.code, saved.stderr).to.equal(0)
  })
  after(() => ws.remove())

  /** What bash offers for a command line typed up to its end, as `complete -F` sees it. */
  async function bash(line: string): Promise<string[]> {
    const program = `source "$1"
COMP_LINE=$2; COMP_POINT=\${#COMP_LINE}
read -ra COMP_WORDS <<<"$COMP_LINE"; [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_labmesh
printf '%s\\n' "\${COMPREPLY[@]}"`
    const {stdout} = await exec('bash', ['--norc', '--noprofile', '-c', program, 'bash', scripts.bash, line], {env: ws.env()})
    return lines(stdout)
  }

  async function fish(line: string): Promise<string[]> {
    const {stdout} = await exec('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', scripts.fish, line], {env: ws.env()})
    return lines(stdout).map((candidate) => candidate.split('\t')[0])
  }

  /** zsh runs the script's candidate function (the part of the script zsh's _describe gets its list from). */
  async function zsh(...words: string[]): Promise<string[]> {
    const program = 'autoload -Uz compinit && compinit -u -D; source $1; shift; __labmesh_candidates "$@"'
    const current = words.pop()!
    const {stdout} = await exec('zsh', ['-f', '-c', program, 'zsh', scripts.zsh, current, ...words], {env: ws.env()})
    return lines(stdout).map((candidate) => candidate.split('\t')[0])
  }

  it('writes the three scripts, and each parses in its shell', async () => {
    expect(readFileSync(scripts.bash, 'utf8')).to.contain('complete -F _labmesh labmesh')
    expect(readFileSync(scripts.zsh, 'utf8')).to.match(/^#compdef labmesh/)
    await exec('bash', ['-n', scripts.bash])
    await exec('zsh', ['-n', scripts.zsh])
    await exec('fish', ['--no-execute', scripts.fish])
  })

  it('completes topics, commands and flags in bash', async () => {
    expect(await bash('labmesh cat')).to.deep.equal(['catalog'])
    expect(await bash('labmesh catalog ')).to.include.members(['describe', 'history', 'list', 'register'])
    expect(await bash('labmesh query --f')).to.have.members(['--file', '--force', '--format'])
    expect(await bash('labmesh query --format ')).to.have.members(['table', 'csv', 'tsv', 'json', 'jsonl', 'parquet'])
    // A flag already given is not offered again; a repeatable one is.
    const rest = await bash('labmesh query --file x.sql --param a=1 --')
    expect(rest).to.not.include('--file')
    expect(rest).to.include.members(['--param', '--format', '--json'])
  })

  it('completes table names, saved searches, profiles and converters from the cache in bash', async () => {
    expect(await bash('labmesh catalog describe ')).to.deep.equal(['shared.simple'])
    expect(await bash('labmesh lake vacuum shared.s')).to.deep.equal(['shared.simple'])
    expect(await bash('labmesh search run ')).to.deep.equal(['boston-elisa'])
    expect(await bash('labmesh catalog list --profile ')).to.have.members(['local', 'lab'])
    expect(await bash('labmesh convert --converter gen')).to.deep.equal(['generic'])
    // Another profile's tables are not this one's.
    expect(await bash('labmesh catalog describe --profile other ')).to.deep.equal([])
  })

  it('completes the same candidates in fish and zsh', async () => {
    expect(await fish('labmesh catalog describe ')).to.deep.equal(['shared.simple'])
    expect(await fish('labmesh query --format p')).to.deep.equal(['parquet'])
    expect(await fish('labmesh cat')).to.deep.equal(['catalog'])
    expect(await zsh('catalog', 'describe', '')).to.deep.equal(['shared.simple'])
    expect(await zsh('query', '--f')).to.have.members(['--file', '--force', '--format'])
    expect(await zsh('search', 'run', 'b')).to.deep.equal(['boston-elisa'])
  })

  it('lists a table at once after the command that registered it', async () => {
    const registered = await ws.run(['catalog', 'register', 'shared.partitioned', path.join(DELTA_TABLES, 'delta-0.8.0-partitioned')])
    expect(registered.code, registered.stderr).to.equal(0)
    expect(await bash('labmesh catalog describe shared.')).to.have.members(['shared.simple', 'shared.partitioned'])
  })
})

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '')
}
