import {expect} from 'chai'

import {parseNumber, parseTimeSpan} from '../../src/search/values.js'

const utc = (iso: string): number => Date.parse(iso)

describe('search values: times and numbers', () => {
  it('reads a date or date-time as the span it names, at its precision', () => {
    expect(parseTimeSpan('2024-03')).to.deep.equal({start: utc('2024-03-01T00:00:00Z'), end: utc('2024-04-01T00:00:00Z')})
    expect(parseTimeSpan('2024-12')).to.deep.equal({start: utc('2024-12-01T00:00:00Z'), end: utc('2025-01-01T00:00:00Z')})
    expect(parseTimeSpan('2024-02-29')).to.deep.equal({start: utc('2024-02-29T00:00:00Z'), end: utc('2024-03-01T00:00:00Z')})
    expect(parseTimeSpan('2024-03-01T09:30')).to.deep.equal({start: utc('2024-03-01T09:30:00Z'), end: utc('2024-03-01T09:31:00Z')})
    expect(parseTimeSpan('2024-03-01 09:30:15')).to.deep.equal({start: utc('2024-03-01T09:30:15Z'), end: utc('2024-03-01T09:30:16Z')})
    expect(parseTimeSpan('2024-03-01T09:30:15.250Z')).to.deep.equal({
      start: utc('2024-03-01T09:30:15.250Z'),
      end: utc('2024-03-01T09:30:15.251Z'),
    })
  })

  it('applies a zone offset; without one the time is UTC', () => {
    expect(parseTimeSpan('2024-03-01T09:30:00+02:00')!.start).to.equal(utc('2024-03-01T07:30:00Z'))
    expect(parseTimeSpan('2024-03-01T09:30:00-0530')!.start).to.equal(utc('2024-03-01T15:00:00Z'))
    expect(parseTimeSpan('2024-03-01T09:30:00')!.start).to.equal(utc('2024-03-01T09:30:00Z'))
  })

  it('takes a year alone only where a time is expected', () => {
    expect(parseTimeSpan('2024')).to.equal(undefined)
    expect(parseTimeSpan('2024', {yearAlone: true})).to.deep.equal({start: utc('2024-01-01T00:00:00Z'), end: utc('2025-01-01T00:00:00Z')})
  })

  it('refuses impossible and non-ISO times', () => {
    for (const text of [
      '2023-02-29',
      '2024-13',
      '2024-04-31',
      '2024-03-01T24:00',
      '2024-03-01T10:60',
      '03/01/2024',
      'yesterday',
      '2024-3-1',
    ]) {
      expect(parseTimeSpan(text), text).to.equal(undefined)
    }
  })

  it('reads numbers, and byte units only for sizes', () => {
    expect(parseNumber('42')).to.equal(42)
    expect(parseNumber('-0.5')).to.equal(-0.5)
    expect(parseNumber('1e3')).to.equal(1000)
    expect(parseNumber('1MB')).to.equal(undefined)
    expect(parseNumber('1MB', {bytes: true})).to.equal(1e6)
    expect(parseNumber('1.5kb', {bytes: true})).to.equal(1500)
    expect(parseNumber('2KiB', {bytes: true})).to.equal(2048)
    expect(parseNumber('1GiB', {bytes: true})).to.equal(1024 ** 3)
    expect(parseNumber('3 parsecs', {bytes: true})).to.equal(undefined)
    expect(parseNumber('12abc', {bytes: true})).to.equal(undefined)
    expect(parseNumber('S-001')).to.equal(undefined)
  })
})
