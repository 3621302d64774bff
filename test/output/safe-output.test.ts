import {execFileSync} from 'node:child_process'
import {lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {LabmeshError} from '../../src/errors.js'
import {SafeOutput} from '../../src/output/safe-output.js'

/** The error a promise rejects with (a test fails when it resolves). */
async function failure(promise: Promise<unknown>): Promise<LabmeshError> {
  try {
    await promise
  } catch (error) {
    return error as LabmeshError
  }
  throw new Error('expected a failure')
}

/** Real files, links and FIFOs in a temp folder; `kept` stands for the workspace, `table` for a table registered from elsewhere. */
describe('SafeOutput', () => {
  let root: string
  let kept: string
  let table: string
  let output: SafeOutput
  const write = (text: string) => async (temp: string) => writeFileSync(temp, text)
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-output-'))
    kept = path.join(root, 'workspace')
    table = path.join(root, 'shared-table')
    mkdirSync(path.join(kept, 'lake', 'lab', 'files', '_delta_log'), {recursive: true})
    mkdirSync(table)
    output = new SafeOutput([
      {path: kept, what: 'the workspace'},
      {path: table, what: 'the folder of table shared.t'},
    ])
  })
  afterEach(() => rmSync(root, {recursive: true, force: true}))

  it('writes a new file whole, leaving no temp folder behind', async () => {
    const written = await output.writeFile(path.join(root, 'out', 'result.csv'), write('a\n1\n'))
    expect(written.path).to.equal(path.join(root, 'out', 'result.csv'))
    expect(readFileSync(written.path, 'utf8')).to.equal('a\n1\n')
    expect(readdirSync(path.join(root, 'out'))).to.deep.equal(['result.csv'])
  })

  it('refuses targets inside the workspace or a table folder, also through a link to them', async () => {
    symlinkSync(path.join(kept, 'lake'), path.join(root, 'lake-link'))
    for (const target of [
      path.join(kept, 'labmesh.db'),
      path.join(kept, 'lake', 'lab', 'files', '_delta_log', '00000000000000000009.json'),
      path.join(root, 'lake-link', 'lab', 'files', '_delta_log', '00000000000000000009.json'),
      path.join(table, 'part-0.parquet'),
      path.join(kept, 'new-folder', 'x.csv'),
    ]) {
      const error = await failure(output.writeFile(target, write('forged')))
      expect(error.code, target).to.equal('FORBIDDEN')
    }
    expect(await failure(output.writeFolder(path.join(kept, 'package'), async () => undefined))).to.have.property('code', 'FORBIDDEN')
    expect(await failure(output.folder(path.join(table, 'downloads')))).to.have.property('code', 'FORBIDDEN')
    // Nothing was created on the way to the refusal.
    expect(readdirSync(kept).sort()).to.deep.equal(['lake'])
    expect(readdirSync(path.join(kept, 'lake', 'lab', 'files', '_delta_log'))).to.deep.equal([])
    expect(readdirSync(table)).to.deep.equal([])
  })

  it('never writes through a link, into a FIFO or over a folder', async () => {
    writeFileSync(path.join(root, 'precious.txt'), 'keep me')
    symlinkSync(path.join(root, 'precious.txt'), path.join(root, 'link.csv'))
    symlinkSync(path.join(root, 'nowhere.txt'), path.join(root, 'dangling.csv'))
    execFileSync('mkfifo', [path.join(root, 'fifo.csv')])
    mkdirSync(path.join(root, 'folder.csv'))
    const forced = new SafeOutput([], true)
    for (const name of ['link.csv', 'dangling.csv', 'fifo.csv', 'folder.csv']) {
      for (const rules of [output, forced]) {
        const error = await failure(rules.writeFile(path.join(root, name), write('overwritten')))
        expect(error.code, name).to.equal('INVALID_INPUT')
      }
    }
    expect(readFileSync(path.join(root, 'precious.txt'), 'utf8')).to.equal('keep me')
    expect(lstatSync(path.join(root, 'dangling.csv')).isSymbolicLink()).to.equal(true)
    expect(readdirSync(root).filter((name) => name.startsWith('.'))).to.deep.equal([])
  })

  it('replaces an existing regular file only with force; a hard link elsewhere keeps its bytes', async () => {
    const target = path.join(root, 'result.csv')
    writeFileSync(target, 'old')
    execFileSync('ln', [target, path.join(root, 'hard-link.csv')])
    const conflict = await failure(output.writeFile(target, write('new')))
    expect(conflict.code).to.equal('CONFLICT')
    expect(readFileSync(target, 'utf8')).to.equal('old')
    await new SafeOutput([], true).writeFile(target, write('new'))
    expect(readFileSync(target, 'utf8')).to.equal('new')
    expect(readFileSync(path.join(root, 'hard-link.csv'), 'utf8')).to.equal('old')
  })

  it('does not replace a file that appears while the output is written, without force', async () => {
    const target = path.join(root, 'race.csv')
    const error = await failure(
      output.writeFile(target, async (temp) => {
        writeFileSync(temp, 'mine')
        writeFileSync(target, 'theirs')
      }),
    )
    expect(error.code).to.equal('CONFLICT')
    expect(readFileSync(target, 'utf8')).to.equal('theirs')
  })

  it('writes a package folder into a new or empty folder only, and a folder of files where one is asked for', async () => {
    const dir = path.join(root, 'pkg')
    await output.writeFolder(dir, async (staging) => writeFileSync(path.join(staging, 'datapackage.json'), '{}'))
    expect(readdirSync(dir)).to.deep.equal(['datapackage.json'])
    expect((await failure(output.writeFolder(dir, async () => undefined))).code).to.equal('CONFLICT')
    writeFileSync(path.join(root, 'a-file'), 'x')
    expect((await failure(output.writeFolder(path.join(root, 'a-file'), async () => undefined))).code).to.equal('CONFLICT')
    expect((await failure(output.folder(path.join(root, 'a-file')))).code).to.equal('INVALID_INPUT')
    expect((await failure(output.folder(path.join(root, 'a-file', 'below')))).code).to.equal('INVALID_INPUT')
    expect(await output.folder(path.join(root, 'new', 'deeper'))).to.equal(path.join(root, 'new', 'deeper'))
  })
})
