import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'

import {TestWorkspace} from '../support/cli.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** `export NAME='value'` lines, as the script writes them for a shell to source. */
function sourceEnv(file: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const match of readFileSync(file, 'utf8').matchAll(/^export (\w+)='((?:[^']|'\\'')*)'$/gm))
    env[match[1]] = match[2].replaceAll(`'\\''`, "'")
  return env
}

/**
 * `npm run aws-local`, as the README tells a user to try an aws profile: the script starts its
 * stand-ins (real s3rver, real PostgreSQL, the recording endpoint for Glue, STS, KMS), and the
 * built CLI, given only the environment file it wrote, runs the pipeline on the shipped samples.
 */
describe('aws-local: an aws profile on local stand-ins', function () {
  this.timeout(300_000)
  const ws = new TestWorkspace()
  const folder = ws.path('aws-local')
  let script: ChildProcess
  let stdout = ''

  before(async () => {
    script = spawn(process.execPath, ['--import', 'tsx', 'scripts/aws-local.ts', folder], {cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit']})
    script.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const deadline = Date.now() + 240_000
    while (!stdout.includes('In another shell')) {
      if (script.exitCode !== null || Date.now() > deadline) throw new Error(`aws-local did not start: ${stdout}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })
  after(() => {
    if (script.exitCode === null) script.kill('SIGKILL')
    ws.remove()
  })

  it('prints an init command that works, and the pipeline runs on the samples with the environment it wrote', async () => {
    const env = sourceEnv(path.join(folder, 'env'))
    expect(env.AWS_ENDPOINT_URL_S3).to.match(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(env.LABMESH_PROFILE).to.equal('emulated')
    const url = /--metadata-url (postgres:\/\/\S+)/.exec(stdout)![1]
    expect(url, 'no password in what it prints').not.to.include(env.PGPASSWORD)
    const run = (args: string[]) => ws.run(args, {env, cwd: ROOT})
    const init = await run(
      ['init', '--profile', 'emulated', '--backend', 'aws', '--region', 'us-east-1', '--bucket', 'labmesh-test'].concat([
        '--kms-key-id',
        'alias/labmesh-test',
        '--path-style',
        '--metadata-url',
        url,
        '--glue-database-prefix',
        'labmesh_',
      ]),
    )
    expect(init.code, init.stderr).to.equal(0)
    const ingest = await run(['ingest', 'samples/exports', '--template', '{project}/{device}/{sample}_{date:YYYY-MM-DD}.*', '--json'])
    expect(ingest.code, ingest.stderr).to.equal(0)
    expect(ingest.json.ingested).to.be.greaterThan(0)
    const convert = await run(['convert', '--json'])
    expect(convert.code, convert.stderr).to.equal(0)
    expect(convert.json.converted).to.equal(ingest.json.ingested)
    const tables = await run(['catalog', 'list', '--json'])
    expect(tables.code, tables.stderr).to.equal(0)
    expect(tables.json.tables.map((t: {database: string; table: string}) => `${t.database}.${t.table}`)).to.include('lab.files')
    const doctor = await run(['doctor'])
    expect(doctor.code, doctor.stdout + doctor.stderr).to.equal(0)
  })

  it('stops every stand-in on Ctrl-C and deletes their data', async () => {
    const exited = new Promise<number | null>((resolve) => script.once('exit', resolve))
    script.kill('SIGINT')
    expect(await exited).to.equal(0)
    expect(existsSync(folder)).to.equal(false)
  })
})
