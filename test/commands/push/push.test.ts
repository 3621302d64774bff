import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, writeFileSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {expect} from 'chai'

import {createLocalBackend} from '../../../src/backends/local/index.js'
import {walkFiles} from '../../../src/ingest/walk.js'
import {Spool} from '../../../src/spool/spool.js'
import {type CliResult, TestWorkspace} from '../../support/cli.js'

const SPOOL_MODULE = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/spool/spool.ts')).href

/**
 * `labmesh push` against a spool another process holds: the built CLI in real processes, a real
 * spool folder and a real local workspace (files + SQLite). One process at a time drains a spool,
 * so no file is sent twice.
 */
describe('labmesh push: one process at a time per spool', function () {
  this.timeout(300_000)
  let ws: TestWorkspace
  let spoolDir: string
  const FILES = 150

  beforeEach(async () => {
    ws = new TestWorkspace()
    const source = ws.path('source')
    await mkdir(source, {recursive: true})
    for (let i = 0; i < FILES; i++) writeFileSync(path.join(source, `plate-${String(i).padStart(3, '0')}.csv`), `Well,Value\nA1,${i}\n`)
    spoolDir = ws.path('spool')
    const spool = await Spool.open(spoolDir)
    const files = []
    for await (const file of walkFiles([source])) {
      if (file.kind !== 'file') continue
      const entry = {
        sourcePath: file.path,
        sourceHost: 'bench-pc-7',
        relativePath: file.relativePath,
        pathName: null,
        template: null,
        labels: [],
        metadata: {},
        detectedAt: new Date().toISOString(),
      }
      files.push({file, entry})
    }
    await spool.addMany(files)
    await spool.close()
  })
  afterEach(() => ws.remove())

  /** Every spooled file is stored exactly once: version 1 at its source, and as many records as files. */
  const expectEachOnce = async (): Promise<void> => {
    const backend = createLocalBackend({home: ws.home})
    try {
      for (let i = 0; i < FILES; i++) {
        const source = ws.path('source', `plate-${String(i).padStart(3, '0')}.csv`)
        expect(await backend.metadata.latestAtSource('bench-pc-7', source), source).to.include({version: 1})
      }
    } finally {
      await backend.close()
    }
    const listed = await ws.run(['files', 'list', '--limit', '1000', '--json'])
    expect(listed.code, listed.stderr).to.equal(0)
    expect(listed.json.files ?? listed.json).to.have.length(FILES)
  }

  it('is refused with CONFLICT while another process holds the spool, and sends everything once that process is gone', async () => {
    // A real second process holding the spool, as a running watcher does.
    const holder: ChildProcess = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const {Spool} = await import(${JSON.stringify(SPOOL_MODULE)})
         const spool = await Spool.open(process.argv[1])
         console.log('held', spool.dir)
         setInterval(() => {}, 1000)`,
        spoolDir,
      ],
      {env: ws.env(), stdio: ['ignore', 'pipe', 'inherit']},
    )
    const said = (word: string): Promise<void> =>
      new Promise((resolve, reject) => {
        let out = ''
        holder.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          if (out.includes(word)) resolve()
        })
        holder.on('exit', (code) => reject(new Error(`the holder exited (${code}) before saying ${word}`)))
      })
    try {
      await said('held')
      const refused = await ws.run(['push', '--from', spoolDir, '--json'])
      expect(refused.code, refused.stderr).to.equal(5)
      expect(refused.json.error.code).to.equal('CONFLICT')
      expect(refused.json.error.message).to.include(`is in use by another labmesh process (process ${holder.pid} on `)
      expect((await Spool.inspect(spoolDir)).files).to.equal(FILES)
    } finally {
      // Killed outright: its lock is left behind, and taken over at once (its process is gone).
      const exited = new Promise((resolve) => holder.on('exit', resolve))
      holder.kill('SIGKILL')
      await exited
    }
    expect(existsSync(path.join(spoolDir, 'lock'))).to.equal(true)
    const pushed = await ws.run(['push', '--from', spoolDir, '--json'])
    expect(pushed.code, pushed.stderr).to.equal(0)
    expect(pushed.json).to.deep.include({uploaded: FILES, unchanged: 0, rejected: 0, left: 0})
    await expectEachOnce()
  })

  it('two pushes started together: one drains, the other is refused or finds nothing left; no file is sent twice', async () => {
    const results: CliResult[] = await Promise.all([
      ws.run(['push', '--from', spoolDir, '--json']),
      ws.run(['push', '--from', spoolDir, '--json']),
    ])
    for (const result of results) {
      expect([0, 5], result.stderr).to.include(result.code)
      if (result.code === 5) expect(result.json.error.code).to.equal('CONFLICT')
    }
    const uploaded = results.reduce((sum, r) => sum + (r.code === 0 ? r.json.uploaded : 0), 0)
    expect(uploaded).to.equal(FILES)
    expect(results.every((r) => r.code !== 0 || r.json.unchanged === 0)).to.equal(true)
    expect(await Spool.inspect(spoolDir)).to.deep.equal({files: 0, bytes: 0, rejected: 0})
    await expectEachOnce()
  })
})
