import {expect} from 'chai'

import type {LabmeshError} from '../../../src/errors.js'
import {
  checkpointPaths,
  commitPath,
  decodeDataPath,
  encodeDataPath,
  LAST_CHECKPOINT_PATH,
  newDataFilePath,
  parseLogFileName,
  partitionDirectory,
  tablePathSegments,
} from '../../../src/lake/delta/paths.js'

const failure = (run: () => unknown): LabmeshError | undefined => {
  try {
    run()
  } catch (error) {
    return error as LabmeshError
  }
  return undefined
}

// Expected names are written out from the Delta protocol (PROTOCOL.md "Delta Log Entries",
// "Checkpoints") and Spark's ExternalCatalogUtils.escapePathName, not derived from the code.
describe('Delta log file names', () => {
  it('names commits with 20-digit versions, in _delta_log beside _last_checkpoint', () => {
    expect(LAST_CHECKPOINT_PATH).to.equal('_delta_log/_last_checkpoint')
    expect(commitPath(0)).to.equal('_delta_log/00000000000000000000.json')
    expect(commitPath(12)).to.equal('_delta_log/00000000000000000012.json')
    expect(commitPath(12_345_678_901)).to.equal('_delta_log/00000000012345678901.json')
  })

  it('names a classic checkpoint, and the parts of a multi-part one with 10-digit part numbers', () => {
    expect(checkpointPaths(10)).to.deep.equal(['_delta_log/00000000000000000010.checkpoint.parquet'])
    expect(checkpointPaths(10, 1)).to.deep.equal(['_delta_log/00000000000000000010.checkpoint.parquet'])
    expect(checkpointPaths(10, 3)).to.deep.equal([
      '_delta_log/00000000000000000010.checkpoint.0000000001.0000000003.parquet',
      '_delta_log/00000000000000000010.checkpoint.0000000002.0000000003.parquet',
      '_delta_log/00000000000000000010.checkpoint.0000000003.0000000003.parquet',
    ])
  })

  it('recognizes commits and classic checkpoints by name, and nothing else of the log', () => {
    expect(parseLogFileName('00000000000000000000.json')).to.deep.equal({kind: 'commit', version: 0})
    expect(parseLogFileName('00000000000000000042.json')).to.deep.equal({kind: 'commit', version: 42})
    expect(parseLogFileName('00000000000000000010.checkpoint.parquet')).to.deep.equal({
      kind: 'checkpoint',
      version: 10,
      part: 1,
      parts: 1,
    })
    expect(parseLogFileName('00000000000000000010.checkpoint.0000000002.0000000003.parquet')).to.deep.equal({
      kind: 'checkpoint',
      version: 10,
      part: 2,
      parts: 3,
    })
    for (const other of [
      '00000000000000000001.crc',
      '00000000000000000001.json.tmp',
      '.00000000000000000001.json.crc',
      'x00000000000000000001.json',
      '0000000000000000001.json', // 19 digits
      '000000000000000000001.json', // 21 digits
      '00000000000000000001.00000000000000000009.compacted.json',
      '00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json',
      '00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.parquet',
      '00000000000000000010.checkpoint.parquet.tmp',
      'x00000000000000000010.checkpoint.parquet',
      '00000000000000000010.checkpoint.1.3.parquet.tmp',
      'x00000000000000000010.checkpoint.1.3.parquet',
      '00000000000000000010.checkpoint..3.parquet',
      '00000000000000000010.checkpoint.1..parquet',
      '_last_checkpoint',
    ]) {
      expect(parseLogFileName(other), other).to.equal(undefined)
    }
  })
})

describe('data file paths in the log', () => {
  it('resolves relative, file: and s3:// (s3a://, s3n://) paths inside the table, and refuses paths outside it', () => {
    const s3 = 's3://acme-lake/lake/lab/files'
    expect(decodeDataPath('year%3D2021/part%201.parquet', s3)).to.equal('year=2021/part 1.parquet')
    expect(decodeDataPath('s3://acme-lake/lake/lab/files/year=2021/part-1.parquet', s3)).to.equal('year=2021/part-1.parquet')
    expect(decodeDataPath('s3a://acme-lake/lake/lab/files/part%201.parquet', s3)).to.equal('part 1.parquet')
    expect(decodeDataPath('S3N://acme-lake/lake/lab/files/p.parquet', `${s3}/`)).to.equal('p.parquet')
    expect(decodeDataPath('file:///data/tables/t/part-1.parquet', '/data/tables/t')).to.equal('part-1.parquet')
    expect(decodeDataPath('file:///data/tables/t/a%20b/part-1.parquet', '/data/tables/t/')).to.equal('a b/part-1.parquet')
    // Not schemes: a first character that is not a letter, or a character no scheme has before the colon.
    expect(decodeDataPath('2021%3A01/p.parquet', s3)).to.equal('2021:01/p.parquet')
    expect(decodeDataPath('plate=a:b/p.parquet', s3)).to.equal('plate=a:b/p.parquet')
    for (const [outside, location] of [
      ['s3://acme-lake/lake/lab/filesystem/part.parquet', s3],
      ['s3://other-bucket/lake/lab/files/part.parquet', s3],
      ['s3://acme-lake/lake/lab/files', s3],
      ['file:///etc/passwd', '/data/tables/t'],
      ['file:///data/tables/t2/part.parquet', '/data/tables/t'],
      ['https://example.com/part.parquet', s3],
      ['gs://acme-lake/lake/lab/files/part.parquet', s3],
      ['xs3://acme-lake/lake/lab/files/part.parquet', s3],
    ]) {
      const error = failure(() => decodeDataPath(outside, location))
      expect(error?.code, outside).to.equal('UNSUPPORTED')
      expect(error?.message, outside).to.equal(`the log names a data file outside the table: ${outside}`)
      expect(error?.subject, outside).to.equal(outside)
      expect(error?.suggestions, outside).to.deep.equal([
        'files of shallow clones or other tables are not read; copy the table with its data instead',
      ])
    }
    // A raw line break in a URI is no path of this table, not the file named before it.
    expect(failure(() => decodeDataPath('s3://acme-lake/t/a\nb.parquet', 's3://acme-lake/t'))?.code).to.equal('UNSUPPORTED')
  })

  it('refuses a malformed escape in a log path, naming it', () => {
    for (const malformed of ['part%E0%A4%A.parquet', 'part%.parquet', 'a/%zz.parquet']) {
      const error = failure(() => decodeDataPath(malformed, 's3://acme-lake/t'))
      expect(error?.code, malformed).to.equal('INVALID_DATA')
      expect(error?.message, malformed).to.equal(`the log names a data file with a malformed path: ${malformed}`)
      expect(error?.subject, malformed).to.equal(malformed)
      expect(error?.cause, malformed).to.be.instanceOf(URIError)
    }
    const uri = failure(() => decodeDataPath('s3://acme-lake/t/%zz.parquet', 's3://acme-lake/t'))
    expect(uri?.code).to.equal('INVALID_DATA')
    expect(uri?.message).to.equal('the log names a data file with a malformed path: s3://acme-lake/t/%zz.parquet')
    expect(uri?.subject).to.equal('s3://acme-lake/t/%zz.parquet')
  })

  it('splits a table-relative path, refusing empty, absolute, `.`, `..` and empty segments', () => {
    expect(tablePathSegments('part.parquet')).to.deep.equal(['part.parquet'])
    expect(tablePathSegments('plate=P 1/day=2/part.parquet')).to.deep.equal(['plate=P 1', 'day=2', 'part.parquet'])
    expect(tablePathSegments('..a/b..')).to.deep.equal(['..a', 'b..'])
    for (const bad of ['', '/', '/etc/passwd', '//x', '../x', 'a/../../x', 'a/..', './a', 'a/./b', 'a//b', 'a/', '.', '..']) {
      const error = failure(() => tablePathSegments(bad))
      expect(error?.code, bad).to.equal('INVALID_DATA')
      expect(error?.message, bad).to.equal(`"${bad}" is not a path inside the table`)
      expect(error?.subject, bad).to.equal(bad)
    }
  })

  it('URL-encodes each segment as the log stores it, keeping `/` between them and `=` readable', () => {
    expect(encodeDataPath('part.parquet')).to.equal('part.parquet')
    expect(encodeDataPath('plate=Plate 1/part.parquet')).to.equal('plate=Plate%201/part.parquet')
    expect(encodeDataPath('city=Zürich/x=y=z/p.parquet')).to.equal('city=Z%C3%BCrich/x=y=z/p.parquet')
    expect(encodeDataPath('pct=100%25/p.parquet')).to.equal('pct=100%2525/p.parquet')
  })
})

describe('partition directories', () => {
  it('joins col=value pairs with `/`, the null value as Hive writes it', () => {
    expect(partitionDirectory([])).to.equal('')
    expect(partitionDirectory([['plate', 'P1']])).to.equal('plate=P1')
    expect(
      partitionDirectory([
        ['plate', 'Plate 1'],
        ['day', null],
        ['site', ''],
      ]),
    ).to.equal('plate=Plate 1/day=__HIVE_DEFAULT_PARTITION__/site=')
  })

  it('escapes what Spark escapes, as %XX in upper case, in column names and values', () => {
    // Spark's list: control characters, " # % ' * / : = ? \ DEL { [ ] ^
    const escaped: Array<[string, string]> = [
      ['"', '%22'],
      ['#', '%23'],
      ['%', '%25'],
      ["'", '%27'],
      ['*', '%2A'],
      ['/', '%2F'],
      [':', '%3A'],
      ['=', '%3D'],
      ['?', '%3F'],
      ['\\', '%5C'],
      ['\u007F', '%7F'],
      ['{', '%7B'],
      ['[', '%5B'],
      [']', '%5D'],
      ['^', '%5E'],
      ['\u0000', '%00'],
      ['\u0001', '%01'],
      ['\n', '%0A'],
      ['\u001F', '%1F'],
    ]
    for (const [char, code] of escaped) {
      expect(partitionDirectory([['v', `a${char}b`]]), JSON.stringify(char)).to.equal(`v=a${code}b`)
    }
    // Everything else stays as it is: space, other punctuation, non-ASCII, characters outside the BMP.
    for (const kept of [' ', '}', '!', '$', '&', '(', ')', '+', ',', ';', '<', '>', '@', '`', '|', '~', '-', '_', '.', 'é', '東京', '🧪']) {
      expect(partitionDirectory([['v', `a${kept}b`]]), kept).to.equal(`v=a${kept}b`)
    }
    expect(partitionDirectory([['col:1', 'x=y/z']])).to.equal('col%3A1=x%3Dy%2Fz')
  })
})

describe('new data file names', () => {
  it('names a Parquet file with a fresh UUID, at the root or in a folder', () => {
    const name = /^part-00000-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.c000\.zstd\.parquet$/
    const root = newDataFilePath('')
    expect(root).to.match(name)
    const nested = newDataFilePath('plate=P1/day=2')
    expect(nested.startsWith('plate=P1/day=2/')).to.equal(true)
    expect(nested.slice('plate=P1/day=2/'.length)).to.match(name)
    expect(newDataFilePath('')).to.not.equal(root)
  })
})
