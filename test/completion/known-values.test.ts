import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {ANY_PROFILE, knownValuesFile, readKnownValues, replaceKnownValues} from '../../src/completion/known-values.js'

// Real: the cache file on disk, as the shells' completion engine reads it.
describe('the known-values cache', () => {
  let dir: string
  let file: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'labmesh-known-'))
    file = knownValuesFile(dir)
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('replaces the rows of a kind for one profile and keeps every other profile and kind', () => {
    replaceKnownValues(file, [
      {kind: 'tables', profile: 'lab', rows: [{value: 'lab.files', description: 'lake/lab/files'}]},
      {kind: 'tables', profile: 'prod', rows: [{value: 'lab.plates', description: ''}]},
      {kind: 'profiles', profile: ANY_PROFILE, rows: [{value: 'lab', description: 'local backend'}]},
    ])
    replaceKnownValues(file, [{kind: 'tables', profile: 'lab', rows: [{value: 'shared.assays', description: ''}]}])
    const rows = readKnownValues(file).map(({kind, profile, value}) => `${kind} ${profile} ${value}`)
    expect(rows).to.have.members(['tables prod lab.plates', 'profiles * lab', 'tables lab shared.assays'])
  })

  it('writes the file only when its rows change (every command refreshes it)', () => {
    const update = [{kind: 'profiles' as const, profile: ANY_PROFILE, rows: [{value: 'lab', description: 'local backend'}]}]
    replaceKnownValues(file, update)
    const written = statSync(file).ino
    replaceKnownValues(file, update)
    // A rewrite renames a new file into place: another inode.
    expect(statSync(file).ino).to.equal(written)
    replaceKnownValues(file, [{...update[0], rows: [{value: 'prod', description: 'aws backend'}]}])
    expect(statSync(file).ino).not.to.equal(written)
    expect(readKnownValues(file).map((row) => row.value)).to.deep.equal(['prod'])
  })

  it('leaves out values a shell word cannot hold, and keeps descriptions on one line', () => {
    replaceKnownValues(file, [
      {
        kind: 'searches',
        profile: 'lab',
        rows: [
          {value: 'boston elisa', description: ''},
          {value: 'boston-elisa', description: 'label.site:boston\n\tassay:elisa'},
        ],
      },
      // A profile whose name holds a tab would break the file's columns: nothing of it is written.
      {kind: 'tables', profile: 'bad\tname', rows: [{value: 'lab.files', description: ''}]},
    ])
    expect(readKnownValues(file)).to.deep.equal([
      {kind: 'searches', profile: 'lab', value: 'boston-elisa', description: 'label.site:boston assay:elisa'},
    ])
  })
})
