import path from 'node:path'
import {expect} from 'chai'

import {LabmeshError} from '../../src/errors.js'
import {formatFromPath, resolveOutput} from '../../src/query/formats.js'
import {formatTableVersion} from '../../src/package/formats.js'
import {parseAsOf, parseParams, parseTableVersion} from '../../src/query/options.js'

function usage(fn: () => unknown): LabmeshError {
  try {
    fn()
  } catch (error) {
    expect(error).to.be.instanceOf(LabmeshError)
    expect((error as LabmeshError).code).to.equal('USAGE')
    return error as LabmeshError
  }
  throw new Error('expected a USAGE error')
}

describe('query options', () => {
  it('parses --param name=value, keeping the value whole and as text', () => {
    expect(parseParams(['min=0.5', 'where=a=b', 'empty=', '1=first'])).to.deep.equal({min: '0.5', where: 'a=b', empty: '', 1: 'first'})
    usage(() => parseParams(['min']))
    usage(() => parseParams(['bad name=1']))
    usage(() => parseParams(['a=1', 'a=2']))
  })

  it('parses --as-of per table: a version number, or a time that is UTC unless it names a zone', () => {
    expect(parseAsOf(['lab.plate_reader=3', 'files=2024-05-01'])).to.deep.equal({
      'lab.plate_reader': {version: 3},
      'lab.files': {timestamp: new Date('2024-05-01T00:00:00Z')},
    })
    expect(parseTableVersion('2024-05-01T12:30')).to.deep.equal({timestamp: new Date('2024-05-01T12:30:00Z')})
    expect(parseTableVersion('2024-05-01 12:30:15.5')).to.deep.equal({timestamp: new Date('2024-05-01T12:30:15.500Z')})
    expect(parseTableVersion('2024-05-01T12:30:00+02:00')).to.deep.equal({timestamp: new Date('2024-05-01T10:30:00Z')})
    for (const bad of ['yesterday', '2024-13-01', '3.5', '-1', '2024-05-01T25:00']) usage(() => parseTableVersion(bad))
    usage(() => parseAsOf(['3']))
    usage(() => parseAsOf(['a.b.c=3']))
    usage(() => parseAsOf(['lab.files=1', 'files=2']))
    expect(formatTableVersion({version: 3})).to.equal(3)
    expect(formatTableVersion({timestamp: new Date('2024-05-01T00:00:00Z')})).to.equal('2024-05-01T00:00:00.000Z')
  })

  it('takes the format from the extension of --out', () => {
    expect(
      ['a.csv', 'A.CSV', 'b.tsv', 'b.tab', 'c.json', 'd.jsonl', 'd.ndjson', 'e.parquet', 'e.pq', 'f.txt', 'g'].map(formatFromPath),
    ).to.deep.equal(['csv', 'csv', 'tsv', 'tsv', 'json', 'jsonl', 'jsonl', 'parquet', 'parquet', undefined, undefined])
  })

  it('resolves where a result goes, refusing combinations that mean nothing', () => {
    const base = {json: false, terminal: true}
    expect(resolveOutput(base)).to.deep.equal({kind: 'table'})
    expect(resolveOutput({...base, terminal: false})).to.deep.equal({kind: 'stdout', format: 'csv'})
    expect(resolveOutput({...base, terminal: false, json: true})).to.deep.equal({kind: 'json'})
    expect(resolveOutput({...base, json: true, format: 'table'})).to.deep.equal({kind: 'json'})
    expect(resolveOutput({...base, format: 'jsonl'})).to.deep.equal({kind: 'stdout', format: 'jsonl'})
    expect(resolveOutput({...base, out: 'r.parquet'})).to.deep.equal({kind: 'file', path: path.resolve('r.parquet'), format: 'parquet'})
    expect(resolveOutput({...base, out: 'r.txt', format: 'tsv'})).to.deep.equal({kind: 'file', path: path.resolve('r.txt'), format: 'tsv'})
    expect(resolveOutput({...base, package: 'pkg'})).to.deep.equal({kind: 'package', dir: path.resolve('pkg'), format: 'csv'})
    expect(resolveOutput({...base, package: 'pkg', format: 'parquet'})).to.deep.equal({
      kind: 'package',
      dir: path.resolve('pkg'),
      format: 'parquet',
    })
    usage(() => resolveOutput({...base, out: 'r.txt'}))
    usage(() => resolveOutput({...base, out: 'r.csv', format: 'table'}))
    usage(() => resolveOutput({...base, format: 'parquet'}))
    usage(() => resolveOutput({...base, json: true, format: 'csv'}))
    usage(() => resolveOutput({...base, package: 'pkg', out: 'r.csv'}))
    usage(() => resolveOutput({...base, package: 'pkg', format: 'jsonl'}))
    usage(() => resolveOutput({...base, out: 'r.csv', limit: 10}))
    usage(() => resolveOutput({...base, package: 'pkg', limit: 10}))
  })
})
