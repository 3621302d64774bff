import {expect} from 'chai'

import type {LabmeshError} from '../../src/errors.js'
import {parseSize} from '../../src/flags/size.js'

describe('sizes in flags (--max-scan)', () => {
  it('reads decimal units as AWS bills them, binary ones by their names, and a bare number as bytes', () => {
    expect(parseSize('10GB')).to.equal(10e9)
    expect(parseSize('1.5 tb')).to.equal(1.5e12)
    expect(parseSize('500MB')).to.equal(500e6)
    expect(parseSize('2GiB')).to.equal(2 * 2 ** 30)
    expect(parseSize('4096')).to.equal(4096)
  })

  it('refuses what is not a size, naming the flag', () => {
    for (const text of ['10 GBs', 'ten', '-1GB', '']) {
      let error: LabmeshError | undefined
      try {
        parseSize(text, 'max-scan')
      } catch (e) {
        error = e as LabmeshError
      }
      expect(error?.code, text).to.equal('USAGE')
      expect(error?.message).to.include('--max-scan')
    }
  })
})
