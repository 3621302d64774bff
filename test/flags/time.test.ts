import {expect} from 'chai'

import {LabmeshError} from '../../src/errors.js'
import {parseTimeBound} from '../../src/flags/time.js'

describe('time flags', () => {
  it('read a date as its whole span: --since from its start, --until to its end', () => {
    expect(parseTimeBound('2026-11-30', 'start').toISOString()).to.equal('2026-11-30T00:00:00.000Z')
    expect(parseTimeBound('2026-11-30', 'end').toISOString()).to.equal('2026-12-01T00:00:00.000Z')
    expect(parseTimeBound('2026-11', 'end').toISOString()).to.equal('2026-12-01T00:00:00.000Z')
    expect(parseTimeBound('2026', 'start').toISOString()).to.equal('2026-01-01T00:00:00.000Z')
    expect(parseTimeBound('2026-11-30T14:00+01:00', 'start').toISOString()).to.equal('2026-11-30T13:00:00.000Z')
  })

  it('read a duration as that long before now', () => {
    const now = Date.parse('2026-11-30T12:00:00Z')
    expect(parseTimeBound('36h', 'start', {now}).toISOString()).to.equal('2026-11-29T00:00:00.000Z')
    expect(parseTimeBound('7d', 'end', {now}).toISOString()).to.equal('2026-11-23T12:00:00.000Z')
  })

  it('refuse anything else with the forms they take', () => {
    for (const text of ['yesterday', '2026-02-30', '30/11/2026', '']) {
      try {
        parseTimeBound(text, 'start', {flag: 'since'})
        expect.fail(`accepted ${text}`)
      } catch (error) {
        expect(error).to.be.instanceOf(LabmeshError)
        expect((error as LabmeshError).code).to.equal('USAGE')
        expect((error as LabmeshError).message).to.include(`--since "${text}" is not a time`)
        expect((error as LabmeshError).suggestions.join(' '))
          .to.include('2026-11-30')
          .and.include('7d')
      }
    }
  })
})
