import type {ClientConfig, Pool, PoolClient, QueryResult, QueryResultRow} from 'pg'

import {isLabmeshError, LabmeshError} from '../../../errors.js'
import type {DatabaseSecret} from '../secrets.js'

/** Where the metadata database is: a postgres:// URL (no password in it), or a Secrets Manager secret. */
export interface PostgresSettings {
  url?: string
  secretId?: string
  /** Reads the secret (again after an authentication failure: the password may have been rotated). */
  readSecret?: (secretId: string) => Promise<DatabaseSecret>
}

/** A pool on the metadata database. */
export interface Postgres {
  /** host:port/database, for messages. */
  readonly target: string
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>
  /** Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>
  close(): Promise<void>
}

const AUTH_FAILED = new Set(['28P01', '28000'])
/** The server ended the connection (admin shutdown, failover, rotation): the pool drops it and a retry gets a new one. */
const CONNECTION_DROPPED = new Set(['57P01', '57P02', '57P03'])

function connectionDropped(error: unknown): boolean {
  const e = error as {code?: string; message?: string}
  return CONNECTION_DROPPED.has(e.code ?? '') || /Connection terminated/i.test(e.message ?? '')
}

/**
 * Opens a pool. TLS is required (and certificates verified) for every host but loopback and
 * Unix sockets; with a secret, an authentication failure re-reads the secret once and reconnects,
 * so a rotated password is picked up without a restart.
 */
export async function openPostgres(settings: PostgresSettings): Promise<Postgres> {
  const pg = (await import('pg')).default
  let config = await connectionConfig(settings)
  let pool = newPool(pg.Pool, config)
  const target = `${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? ''}`

  const withRetry = async <T>(run: (pool: Pool) => Promise<T>): Promise<T> => {
    try {
      return await run(pool).catch((error: unknown) => {
        // A statement on a connection the server had already closed never ran: run it once more on a fresh one.
        if (connectionDropped(error)) return run(pool)
        throw error
      })
    } catch (error) {
      if (!settings.secretId || !AUTH_FAILED.has((error as {code?: string}).code ?? '')) throw postgresError(error, target)
      config = await connectionConfig(settings)
      const old = pool
      pool = newPool(pg.Pool, config)
      await old.end().catch(() => undefined)
      try {
        return await run(pool)
      } catch (again) {
        throw postgresError(again, target)
      }
    }
  }

  return {
    target,
    query: (text, values) => withRetry((p) => p.query(text, values)),
    transaction: (fn) =>
      withRetry(async (p) => {
        const client = await p.connect()
        try {
          await client.query('BEGIN')
          const result = await fn(client)
          await client.query('COMMIT')
          return result
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined)
          throw error
        } finally {
          client.release()
        }
      }),
    close: () => pool.end(),
  }
}

function newPool(PoolClass: typeof Pool, config: ClientConfig): Pool {
  const pool = new PoolClass({...config, max: 8, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 10_000, application_name: 'labmesh'})
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined)
  return pool
}

async function connectionConfig(settings: PostgresSettings): Promise<ClientConfig> {
  let config: ClientConfig
  if (settings.secretId) {
    if (!settings.readSecret) throw new LabmeshError('INVALID_INPUT', 'no way to read the metadata secret')
    const secret = await settings.readSecret(settings.secretId)
    config = {host: secret.host, port: secret.port, user: secret.username, password: secret.password, database: secret.dbname ?? 'postgres'}
  } else if (settings.url) {
    const {parse} = await import('pg-connection-string')
    const parsed = parse(settings.url)
    config = {...(parsed as ClientConfig), port: parsed.port ? Number(parsed.port) : undefined, database: parsed.database ?? undefined}
  } else {
    throw new LabmeshError('INVALID_INPUT', 'the profile names no metadata database', {
      suggestions: ['recreate it with `labmesh init --backend aws --metadata-url postgres://...` or `--metadata-secret <name or ARN>`'],
    })
  }
  return {...config, ssl: requireTls(config)}
}

/** TLS as the rule says: off only for loopback and sockets; elsewhere on, verifying the server's certificate. */
export function requireTls(config: Pick<ClientConfig, 'host' | 'ssl'>): ClientConfig['ssl'] {
  if (isLoopback(config.host)) return config.ssl
  if (config.ssl === false || (typeof config.ssl === 'object' && config.ssl.rejectUnauthorized === false)) {
    throw new LabmeshError('INVALID_INPUT', `TLS with a verified certificate is required for the metadata database at ${config.host}`, {
      subject: config.host,
      suggestions: [
        'remove sslmode=disable/no-verify from the URL',
        'for RDS, name the CA bundle: ?sslrootcert=/path/to/global-bundle.pem (or NODE_EXTRA_CA_CERTS)',
      ],
    })
  }
  return typeof config.ssl === 'object' ? config.ssl : {rejectUnauthorized: true}
}

export function isLoopback(host: string | undefined): boolean {
  if (!host || host.startsWith('/')) return true
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** A PostgreSQL failure as a LabmeshError: unreachable -> BACKEND, bad credentials -> UNAUTHORIZED, no privilege -> FORBIDDEN. */
export function postgresError(error: unknown, target: string): LabmeshError {
  if (isLabmeshError(error)) return error
  const e = error as {code?: string; message?: string}
  const message = e.message ?? String(error)
  if (AUTH_FAILED.has(e.code ?? '')) {
    return new LabmeshError('UNAUTHORIZED', `PostgreSQL at ${target} refused the credentials: ${message}`, {
      cause: error,
      suggestions: ['check the user and password (PGPASSWORD, ~/.pgpass, or the Secrets Manager secret)'],
    })
  }
  if (e.code === '42501') return new LabmeshError('FORBIDDEN', `PostgreSQL at ${target}: ${message}`, {cause: error})
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET'].includes(e.code ?? '') || /timeout/i.test(message)) {
    return new LabmeshError('BACKEND', `cannot reach PostgreSQL at ${target}: ${message}`, {
      cause: error,
      suggestions: ['check the host, port and network path (security groups), then run again'],
    })
  }
  return new LabmeshError('BACKEND', `PostgreSQL at ${target}: ${message}`, {cause: error})
}
