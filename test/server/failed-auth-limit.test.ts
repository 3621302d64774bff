import {expect} from 'chai'

import type {LabmeshError} from '../../src/errors.js'
import {clientOf, FailedAuthLimit} from '../../src/server/failed-auth-limit.js'

/** The limiter alone, on a clock the test moves (pure logic: nothing to stand in for). */
describe('failed authentications per client', () => {
  let clock: number
  const blocked = (limit: FailedAuthLimit, ip: string): number | undefined => {
    let seconds: number | undefined
    try {
      limit.check(ip, (s) => (seconds = s))
    } catch (error) {
      expect((error as LabmeshError).code).to.equal('RATE_LIMITED')
      return seconds
    }
    return undefined
  }
  beforeEach(() => (clock = 1_000_000))

  it('cuts off an address after its failures, until its minute is over', () => {
    const limit = new FailedAuthLimit(3, 60_000, () => clock)
    for (let i = 0; i < 3; i++) limit.failed('203.0.113.7')
    expect(blocked(limit, '203.0.113.7')).to.equal(60)
    expect(blocked(limit, '203.0.113.8')).to.equal(undefined)
    clock += 60_000
    expect(blocked(limit, '203.0.113.7')).to.equal(undefined)
  })

  it('keeps the count of an attacked address through a flood from more addresses than it tracks, in bounded memory', () => {
    const limit = new FailedAuthLimit(3, 60_000, () => clock)
    for (let i = 0; i < 3; i++) limit.failed('203.0.113.7')
    // More distinct addresses than the table holds (10,000), each failing once.
    for (let i = 0; i < 20_000; i++) limit.failed(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)
    expect(limit.tracked).to.be.at.most(10_000)
    expect(blocked(limit, '203.0.113.7')).to.be.a('number')
    // The flood itself is limited: the addresses that found no slot share one window, now spent.
    expect(blocked(limit, '192.0.2.200')).to.be.a('number')
    // A minute later the expired windows make room again.
    clock += 60_000
    expect(blocked(limit, '192.0.2.200')).to.equal(undefined)
    for (let i = 0; i < 3; i++) limit.failed('192.0.2.200')
    expect(blocked(limit, '192.0.2.200')).to.be.a('number')
    expect(blocked(limit, '192.0.2.201')).to.equal(undefined)
    expect(limit.tracked).to.be.at.most(10_000)
  })

  it('counts an IPv6 client per /64, and an IPv4-mapped address as its IPv4 address', () => {
    const limit = new FailedAuthLimit(3, 60_000, () => clock)
    for (const suffix of ['1', 'abcd', 'ffff:1:2']) limit.failed(`2001:db8:1:2::${suffix}`)
    expect(blocked(limit, '2001:db8:1:2:9999::1')).to.be.a('number')
    expect(blocked(limit, '2001:db8:1:3::1')).to.equal(undefined)
    expect(clientOf('::ffff:198.51.100.4')).to.equal('198.51.100.4')
  })
})
