import {GetSecretValueCommand, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'
import pg from 'pg'

import {openPostgres} from '../../../src/backends/aws/postgres/connection.js'
import {lazyPostgres} from '../../../src/backends/aws/postgres/lazy.js'
import {parseDatabaseSecret, readDatabaseSecret} from '../../../src/backends/aws/secrets.js'
import type {LabmeshError} from '../../../src/errors.js'
import {AwsEndpoint} from '../../support/aws/aws-endpoint.js'
import {testClientConfig} from '../../support/aws/clients.js'
import {testDatabase} from '../../support/aws/postgres.js'

describe('metadata credentials from Secrets Manager', function () {
  this.timeout(60_000)

  // Real PostgreSQL; Secrets Manager answered by the recording endpoint (its JSON protocol and shapes).
  it('re-reads the secret once after an authentication failure, so a rotated password is picked up', async () => {
    const database = await testDatabase()
    const admin = new pg.Client({connectionString: database.url})
    await admin.connect()
    const aws = await new AwsEndpoint().start()
    try {
      await admin.query("CREATE ROLE rotating LOGIN PASSWORD 'first-password'")
      const secret = (password: string) =>
        JSON.stringify({engine: 'postgres', host: '127.0.0.1', port: database.port, username: 'rotating', password, dbname: database.name})
      aws.secrets.set('labmesh/rds', secret('first-password'))
      const config = await testClientConfig(aws.endpoint)
      const db = await openPostgres({secretId: 'labmesh/rds', readSecret: (id) => readDatabaseSecret(config, id)})
      try {
        expect((await db.query<{who: string}>('SELECT current_user AS who')).rows[0].who).to.equal('rotating')
        // Rotation: the password changes, the secret follows, live connections are dropped.
        await admin.query("ALTER ROLE rotating PASSWORD 'second-password'")
        aws.secrets.set('labmesh/rds', secret('second-password'))
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'rotating'")
        expect((await db.query<{who: string}>('SELECT current_user AS who')).rows[0].who).to.equal('rotating')
        expect(aws.inputs('secretsmanager.GetSecretValue')).to.deep.equal([{SecretId: 'labmesh/rds'}, {SecretId: 'labmesh/rds'}])
      } finally {
        await db.close()
      }
    } finally {
      await admin.end()
      await aws.stop()
    }
  })

  it('refuses a secret that is not the JSON RDS writes without repeating its value', () => {
    for (const text of ['hunter2-not-json', JSON.stringify({host: 'db', password: 'hunter2'})]) {
      const error = (() => {
        try {
          parseDatabaseSecret(text, 'labmesh/rds')
        } catch (e) {
          return e as LabmeshError
        }
      })()
      expect(error?.code).to.equal('INVALID_DATA')
      expect(error?.message).to.include('labmesh/rds')
      expect(error?.message).to.not.include('hunter2')
    }
  })

  it('names the metadata database without the password a hand-edited URL holds', () => {
    expect(lazyPostgres({url: 'postgres://labmesh:hunter2@db.example:5432/lab'}).target).to.equal('postgres://labmesh@db.example:5432/lab')
    expect(lazyPostgres({url: 'postgres://labmesh:hunter2@db example/lab'}).target).to.not.include('hunter2')
    expect(lazyPostgres({secretId: 'labmesh/rds'}).target).to.equal('labmesh/rds')
  })

  it('maps a missing secret to NOT_FOUND and a denied one to FORBIDDEN (aws-sdk-client-mock)', async () => {
    const secrets = mockClient(SecretsManagerClient)
    try {
      const config = {region: 'eu-west-1'} as never
      secrets.on(GetSecretValueCommand, {SecretId: 'gone'}).rejects(
        Object.assign(new Error("Secrets Manager can't find the specified secret."), {
          name: 'ResourceNotFoundException',
          $metadata: {httpStatusCode: 400},
        }),
      )
      secrets
        .on(GetSecretValueCommand, {SecretId: 'locked'})
        .rejects(Object.assign(new Error('not authorized'), {name: 'AccessDeniedException', $metadata: {httpStatusCode: 400}}))
      expect(((await readDatabaseSecret(config, 'gone').catch((e: unknown) => e)) as LabmeshError).code).to.equal('NOT_FOUND')
      const denied = (await readDatabaseSecret(config, 'locked').catch((e: unknown) => e)) as LabmeshError
      expect(denied.code).to.equal('FORBIDDEN')
      expect(denied.message).to.include('secretsmanager:GetSecretValue on locked')
    } finally {
      secrets.restore()
    }
  })
})
