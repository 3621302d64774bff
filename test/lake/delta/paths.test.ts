import {expect} from 'chai'

import type {LabmeshError} from '../../../src/errors.js'
import {decodeDataPath} from '../../../src/lake/delta/paths.js'

describe('data file paths in the log', () => {
  it('resolves relative, file: and s3:// (s3a://) paths inside the table, and refuses paths outside it', () => {
    const s3 = 's3://acme-lake/lake/lab/files'
    expect(decodeDataPath('year%3D2021/part%201.parquet', s3)).to.equal('year=2021/part 1.parquet')
    expect(decodeDataPath('s3://acme-lake/lake/lab/files/year=2021/part-1.parquet', s3)).to.equal('year=2021/part-1.parquet')
    expect(decodeDataPath('s3a://acme-lake/lake/lab/files/part%201.parquet', s3)).to.equal('part 1.parquet')
    expect(decodeDataPath('file:///data/tables/t/part-1.parquet', '/data/tables/t')).to.equal('part-1.parquet')
    for (const [outside, location] of [
      ['s3://acme-lake/lake/lab/filesystem/part.parquet', s3],
      ['s3://other-bucket/lake/lab/files/part.parquet', s3],
      ['file:///etc/passwd', '/data/tables/t'],
      ['https://example.com/part.parquet', s3],
    ]) {
      const error = (() => {
        try {
          decodeDataPath(outside, location)
        } catch (e) {
          return e as LabmeshError
        }
      })()
      expect(error?.code, outside).to.equal('UNSUPPORTED')
    }
  })
})
