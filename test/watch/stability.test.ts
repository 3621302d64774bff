import {expect} from 'chai'

import {isServiceFailure, retryDelay} from '../../src/watch/retry.js'
import {StabilityTracker} from '../../src/watch/stability.js'

// Pure logic: time is passed in, so nothing here waits.
describe('watch: stability and retries', () => {
  it('takes a file only after its size and time stayed the same for the whole interval', () => {
    const tracker = new StabilityTracker(2000)
    tracker.observe('a.csv', {size: 10, mtimeMs: 1}, 0)
    expect(tracker.stable(1999)).to.deep.equal([])
    tracker.observe('a.csv', {size: 20, mtimeMs: 2}, 1500) // still growing: the interval starts again
    expect(tracker.stable(3000)).to.deep.equal([])
    tracker.observe('a.csv', {size: 20, mtimeMs: 2}, 3000) // the same look does not restart it
    expect(tracker.stable(3499)).to.deep.equal([])
    expect(tracker.stable(3500)).to.deep.equal([{key: 'a.csv', look: {size: 20, mtimeMs: 2}}])
  })

  it('restarts the interval when only the time changes (same-size rewrite)', () => {
    const tracker = new StabilityTracker(1000)
    tracker.observe('a', {size: 5, mtimeMs: 1}, 0)
    tracker.observe('a', {size: 5, mtimeMs: 2}, 900)
    expect(tracker.stable(1500)).to.deep.equal([])
    expect(tracker.stable(1900)).to.have.length(1)
  })

  it('forgets files that went away', () => {
    const tracker = new StabilityTracker(0)
    tracker.observe('a', {size: 1, mtimeMs: 1}, 0)
    tracker.forget('a')
    expect(tracker.stable(10)).to.deep.equal([])
    expect(tracker.size).to.equal(0)
  })

  it("backs off exponentially up to an hour; service failures do not use up a file's attempts", () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n, 10_000))).to.deep.equal([10_000, 20_000, 40_000, 80_000])
    expect(retryDelay(30, 10_000)).to.equal(3_600_000)
    expect(isServiceFailure('BACKEND')).to.equal(true)
    expect(isServiceFailure('UNAUTHORIZED')).to.equal(true)
    expect(isServiceFailure('EMPTY_FILE')).to.equal(false)
    expect(isServiceFailure('UNREADABLE')).to.equal(false)
  })
})
