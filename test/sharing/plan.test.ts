import {expect} from 'chai'

import {type Grant, normalizeGrant} from '../../src/sharing/grant.js'
import {computePlan, mergeGrants, planRevoke, tookEffect} from '../../src/sharing/plan.js'

const table = (name: string) => ({kind: 'table' as const, database: 'lab', table: name})
const grant = (principal: string, resource: Grant['resource'], permissions: Grant['permissions'], extra: Partial<Grant> = {}): Grant =>
  normalizeGrant({principal, resource, permissions, grantable: false, ...extra})
/** As stored: one grant per permission. */
const stored = (...grants: Grant[]): Grant[] => grants.flatMap((g) => g.permissions.map((p) => ({...g, permissions: [p]})))

describe('grant plans', () => {
  it('adds what is missing, and nothing the second time', () => {
    const desired = [grant('bob', table('t'), ['SELECT', 'DESCRIBE'])]
    const first = computePlan(desired, [], {replaceDescribed: true})
    expect(first.add).to.deep.equal(desired)
    expect(computePlan(desired, stored(...first.add), {replaceDescribed: true})).to.deep.equal({add: [], remove: [], unchanged: desired})
  })

  it('owns what a file describes for a principal and resource, and leaves the rest alone', () => {
    const existing = stored(
      grant('bob', table('t'), ['SELECT'], {columns: ['a']}),
      grant('bob', table('other'), ['SELECT']),
      grant('carol', table('t'), ['SELECT']),
    )
    const desired = [grant('bob', table('t'), ['SELECT'], {columns: ['a', 'b']})]
    const plan = computePlan(desired, existing, {replaceDescribed: true})
    expect(plan.add).to.deep.equal(desired)
    expect(plan.remove).to.deep.equal([grant('bob', table('t'), ['SELECT'], {columns: ['a']})])
    // share adds only.
    expect(computePlan(desired, existing, {replaceDescribed: false}).remove).to.deep.equal([])
  })

  it('removes everything else of an exclusive principal', () => {
    const existing = stored(grant('bob', table('other'), ['SELECT', 'DESCRIBE']), grant('carol', table('other'), ['SELECT']))
    const plan = computePlan([grant('bob', table('t'), ['SELECT'])], existing, {replaceDescribed: true, exclusive: ['bob']})
    expect(plan.remove).to.deep.equal([grant('bob', table('other'), ['SELECT', 'DESCRIBE'])])
    expect(computePlan([], existing, {replaceDescribed: true, exclusive: ['bob']}).remove).to.have.length(1)
  })

  it('changes a grant option by revoking and granting the permission again', () => {
    const existing = stored(grant('bob', table('t'), ['SELECT', 'DESCRIBE']))
    const plan = computePlan([grant('bob', table('t'), ['SELECT', 'DESCRIBE'], {grantable: true})], existing, {replaceDescribed: true})
    expect(plan.remove).to.deep.equal([grant('bob', table('t'), ['SELECT', 'DESCRIBE'])])
    expect(plan.add).to.deep.equal([grant('bob', table('t'), ['SELECT', 'DESCRIBE'], {grantable: true})])
  })

  it('revokes the permissions named, or all of the grant', () => {
    const existing = stored(grant('bob', table('t'), ['SELECT', 'DESCRIBE']), grant('bob', table('t'), ['SELECT'], {rowFilter: 'a = 1'}))
    expect(planRevoke({...grant('bob', table('t'), ['DESCRIBE'])}, existing)).to.deep.equal([grant('bob', table('t'), ['DESCRIBE'])])
    expect(planRevoke({...grant('bob', table('t'), ['SELECT']), permissions: []}, existing)).to.deep.equal([
      grant('bob', table('t'), ['SELECT', 'DESCRIBE']),
    ])
    expect(planRevoke(grant('bob', table('t'), ['SELECT'], {rowFilter: 'a = 2'}), existing)).to.deep.equal([])
  })

  it('merges stored permissions into one grant per restriction and grant option', () => {
    const merged = mergeGrants(
      stored(grant('bob', table('t'), ['SELECT', 'DESCRIBE']), grant('bob', table('t'), ['ALTER'], {grantable: true})),
    )
    expect(merged).to.deep.equal([grant('bob', table('t'), ['SELECT', 'DESCRIBE']), grant('bob', table('t'), ['ALTER'], {grantable: true})])
  })

  it('normalizes grants and refuses the ones Lake Formation would', () => {
    expect(grant('bob', table('t'), ['DESCRIBE', 'SELECT'], {columns: []}).permissions).to.deep.equal(['SELECT', 'DESCRIBE'])
    expect(() => grant('bob', {kind: 'database', database: 'lab'}, ['SELECT'])).to.throw(/cannot be granted on a database/)
    expect(() => grant('bob', table('*'), ['SELECT'], {rowFilter: 'a = 1'})).to.throw(/restrict one table/)
    expect(() => grant('bob', table('t'), ['SELECT'], {columns: ['a'], excludeColumns: ['b']})).to.throw(/not both/)
    expect(() => grant('not a principal', table('t'), ['SELECT'])).to.throw(/not a principal/)
    expect(grant('arn:aws:iam::123456789012:role/analysts', table('t'), ['SELECT']).principal).to.equal(
      'arn:aws:iam::123456789012:role/analysts',
    )
  })

  it('tells whether a change left pending holds in the grants as they are', () => {
    const select = grant('bob', table('t'), ['SELECT', 'DESCRIBE'])
    const now = stored(select, grant('bob', table('u'), ['SELECT']))
    expect(tookEffect({action: 'grant', grant: select}, now)).to.equal(true)
    expect(tookEffect({action: 'revoke', grant: select}, now)).to.equal(false)
    // Half there: the grant was not (all) made, and the revoke not (all) done.
    const half = stored(grant('bob', table('t'), ['SELECT']))
    expect(tookEffect({action: 'grant', grant: select}, half)).to.equal(false)
    expect(tookEffect({action: 'revoke', grant: select}, half)).to.equal(false)
    // Another restriction or grant option is another grant.
    const filtered = grant('bob', table('t'), ['SELECT'], {rowFilter: 'a > 1'})
    expect(tookEffect({action: 'grant', grant: filtered}, now)).to.equal(false)
    expect(tookEffect({action: 'revoke', grant: filtered}, now)).to.equal(true)
    const withOption = stored(grant('bob', table('t'), ['SELECT', 'DESCRIBE'], {grantable: true}))
    expect(tookEffect({action: 'grant', grant: select}, withOption)).to.equal(false)
    expect(tookEffect({action: 'revoke', grant: select}, withOption)).to.equal(true)
  })
})
