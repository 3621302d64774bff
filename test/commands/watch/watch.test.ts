import {createHash} from 'node:crypto'
import {
  appendFileSync,
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../../src/backends/local/index.js'
import type {FileRecord} from '../../../src/backends/types.js'
import {TestWorkspace} from '../../support/cli.js'
import {INSTRUMENTS} from '../../support/testdata.js'
import {RunningWatcher, waitFor} from '../../support/watcher.js'

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex')
const ENVISION = path.join(INSTRUMENTS, 'perkin_elmer_envision', 'PE_Envision_absorbance_example01.csv')

/** Every raw record in the workspace, all versions (read in process, beside the running watcher: SQLite in WAL mode). */
async function rawRecords(ws: TestWorkspace): Promise<FileRecord[]> {
  const backend = createLocalBackend({home: ws.home})
  try {
    return await backend.metadata.listFiles({category: 'RAW', allVersions: true, limit: 100_000})
  } finally {
    await backend.close()
  }
}

/**
 * `labmesh watch` as users run it: the built CLI in a subprocess on a temporary workspace (real
 * SQLite, real files written while it runs), its JSON log lines read as they come. Every wait is
 * for a condition, with a deadline; none is a fixed sleep.
 */
describe('labmesh watch (local backend)', function () {
  this.timeout(300_000)
  let ws: TestWorkspace
  let drop: string
  let watcher: RunningWatcher | undefined

  const addPath = async (...flags: string[]): Promise<void> => {
    const added = await ws.run(['paths', 'add', drop, '--name', 'drop', '--stable-seconds', '1', ...flags, '--json'])
    expect(added.code, added.stderr).to.equal(0)
  }
  const start = (...args: string[]): RunningWatcher => (watcher = new RunningWatcher(ws, args))
  const ingested = (file: string) => watcher!.of('file.ingested', file)

  beforeEach(() => {
    ws = new TestWorkspace()
    drop = ws.path('drop')
    mkdirSync(drop)
  })
  afterEach(async () => {
    if (watcher) {
      const exit = await watcher.stop()
      expect(exit.code, watcher.stderr).to.equal(0)
      expect(watcher.events.at(-1)?.event).to.equal('watch.stopped')
    }
    watcher = undefined
    ws.remove()
  })

  it('adds, lists, shows and removes monitored paths; a bad name, a taken name or an archive inside the folder are refused', async () => {
    await addPath('--template', '{project}/{sample}.csv', '--label', 'site=boston', '--convert')
    const listed = await ws.run(['paths', 'list', '--json'])
    expect(listed.json.paths.map((p: any) => [p.name, p.root, p.template, p.convert])).to.deep.equal([
      ['drop', drop, '{project}/{sample}.csv', true],
    ])
    const shown = await ws.run(['paths', 'show', 'drop', '--json'])
    expect(shown.json.status).to.include({seen: 0, pending: 0})
    expect((await ws.run(['paths', 'add', drop, '--name', 'drop'])).code).to.equal(5)
    const bad = await ws.run(['paths', 'add', drop, '--name', '../x', '--json'])
    expect(bad.json.error.code).to.equal('INVALID_INPUT')
    const inside = await ws.run(['paths', 'add', drop, '--name', 'other', '--archive-to', path.join(drop, 'done'), '--json'])
    expect(inside.json.error.code).to.equal('INVALID_INPUT')
    expect((await ws.run(['paths', 'remove', 'drop', '--json'])).json).to.deep.equal({removed: 'drop'})
    expect((await ws.run(['paths', 'show', 'drop', '--json'])).code).to.equal(3)
    expect((await ws.run(['watch', '--json'])).json.error.code).to.equal('NOT_FOUND')
  })

  it('ingests a file written slowly in chunks once, complete, with the path template, labels and metadata', async () => {
    await addPath('--template', '{project}/{sample}.csv', '--label', 'site=boston', '--metadata', 'assay=elisa')
    start()
    await watcher!.until('the first scan', (events) => events.some((e) => e.event === 'path.scanned'))
    mkdirSync(path.join(drop, 'alpha'))
    const target = path.join(drop, 'alpha', 'S-001.csv')
    const content = readFileSync(ENVISION)
    // An instrument writing its export: the file stays open while chunks arrive, with pauses longer than the stable interval.
    const fd = openSync(target, 'w')
    const chunk = Math.ceil(content.length / 4)
    for (let at = 0; at < content.length; at += chunk) {
      writeSync(fd, content.subarray(at, at + chunk))
      const seenOpen = watcher!.of('file.open', 'alpha/S-001.csv').length
      // Each pause lasts until the watcher found the file stable in size and time and refused it as open for writing.
      await watcher!.until('the file found still open', () => watcher!.of('file.open', 'alpha/S-001.csv').length > seenOpen)
    }
    expect(ingested('alpha/S-001.csv')).to.have.length(0)
    closeSync(fd)
    await watcher!.until('the file ingested', () => ingested('alpha/S-001.csv').length === 1)
    const records = await rawRecords(ws)
    expect(records).to.have.length(1)
    expect(records[0]).to.deep.include({sha256: sha256(content), size: content.length, version: 1, sourcePath: target})
    expect(records[0].metadata).to.include({project: 'alpha', sample: 'S-001', assay: 'elisa'})
    expect(records[0].labels).to.deep.equal([{name: 'site', value: 'boston'}])
  })

  it('waits for a file closed between appends until it stops changing; a file that never stops is left pending', async () => {
    await ws.run(['paths', 'add', drop, '--name', 'drop', '--stable-seconds', '3'])
    start()
    await watcher!.until('the first scan', (events) => events.some((e) => e.event === 'path.scanned'))
    const growing = path.join(drop, 'growing.log')
    writeFileSync(growing, 'line 0\n')
    let lines = 1
    // Appends every 100 ms, the file closed in between: only its size and time tell it is not finished.
    const appender = setInterval(() => appendFileSync(growing, `line ${lines++}\n`), 100)
    try {
      await watcher!.until('the growing file seen', () => watcher!.of('file.seen', 'growing.log').length > 0)
      writeFileSync(path.join(drop, 'done.csv'), 'a,b\n1,2\n')
      await watcher!.until('the finished file ingested', () => ingested('done.csv').length === 1)
      expect(ingested('growing.log')).to.have.length(0)
      const status = await ws.run(['watch', 'status', '--json'])
      expect(status.json.paths[0]).to.include({name: 'drop', seen: 2, pending: 1, ingested: 1})
    } finally {
      clearInterval(appender)
    }
    await watcher!.until('the file ingested once it stopped', () => ingested('growing.log').length === 1)
    const records = await rawRecords(ws)
    const stored = records.find((r) => r.sourcePath === growing)!
    expect(stored.sha256).to.equal(sha256(readFileSync(growing)))
  })

  it('follows renames and overwrites: a renamed file is stored at its new path, new content becomes a new version', async () => {
    await addPath()
    start()
    writeFileSync(path.join(drop, 'a.csv'), 'x,y\n1,2\n')
    await watcher!.until('a.csv ingested', () => ingested('a.csv').length === 1)
    renameSync(path.join(drop, 'a.csv'), path.join(drop, 'b.csv'))
    await watcher!.until('b.csv ingested', () => ingested('b.csv').length === 1)
    // An atomic overwrite, as exporters that write a temporary file and rename it do.
    writeFileSync(path.join(drop, '.b.tmp'), 'x,y\n1,2\n3,4\n')
    renameSync(path.join(drop, '.b.tmp'), path.join(drop, 'b.csv'))
    await watcher!.until('b.csv version 2', () => ingested('b.csv').some((e) => e.version === 2))
    const records = await rawRecords(ws)
    expect(records.map((r) => [path.basename(r.sourcePath), r.version]).sort()).to.deep.equal([
      ['a.csv', 1],
      ['b.csv', 1],
      ['b.csv', 2],
    ])
    const status = await ws.run(['watch', 'status', '--json'])
    // a.csv is gone from the folder: its state is forgotten, its record stays.
    expect(status.json.paths[0]).to.include({seen: 1, ingested: 1, pending: 0})
  })

  it('a burst of 2,000 files, killed with SIGKILL in the middle, then restarted: nothing lost, nothing stored twice', async () => {
    await addPath()
    start()
    await watcher!.until('the first scan', (events) => events.some((e) => e.event === 'path.scanned'))
    const names = Array.from({length: 2000}, (_, i) => `burst/run-${String(i).padStart(4, '0')}.csv`)
    mkdirSync(path.join(drop, 'burst'))
    for (const [i, name] of names.entries()) writeFileSync(path.join(drop, name), `well,value\nA1,${i}\n`)
    await watcher!.until('the first files ingested', () => watcher!.of('file.ingested').length > 0)
    await watcher!.stop('SIGKILL')
    const before = watcher!.of('file.ingested').length
    expect(before).to.be.greaterThan(0).and.lessThan(2000)
    watcher = undefined

    // Files that arrive while it is down are picked up too.
    writeFileSync(path.join(drop, 'late.csv'), 'well,value\nB2,7\n')
    start()
    await waitFor('every file stored', async () => (await rawRecords(ws)).length === 2001, 240_000)
    const records = await rawRecords(ws)
    expect(new Set(records.map((r) => r.sourcePath)).size).to.equal(2001)
    expect(records.every((r) => r.version === 1)).to.equal(true)
    // Files stored before the kill are not stored again after the restart (at most "unchanged" for those whose state was not saved).
    await watcher!.until('every state saved', () => watcher!.of('file.ingested').length + before >= 2001)
    expect(watcher!.of('file.ingested').filter((e) => e.status === 'new').length).to.be.at.most(2001 - before)
    const status = await waitFor('the status to settle', async () => {
      const s = (await ws.run(['watch', 'status', '--json'])).json.paths[0]
      return s.pending === 0 ? s : undefined
    })
    expect(status).to.include({seen: 2001, ingested: 2001, failed: 0})
  })

  it('a folder that disappears is reported, and watched again when it comes back', async () => {
    await addPath()
    start()
    writeFileSync(path.join(drop, 'first.csv'), 'a\n1\n')
    await watcher!.until('first.csv ingested', () => ingested('first.csv').length === 1)
    rmSync(drop, {recursive: true})
    await watcher!.until('the folder reported missing', () => watcher!.of('path.missing').length === 1)
    mkdirSync(drop)
    writeFileSync(path.join(drop, 'second.csv'), 'a\n2\n')
    await watcher!.until('the folder back', () => watcher!.of('path.back').length === 1)
    await watcher!.until('second.csv ingested', () => ingested('second.csv').length === 1)
    expect((await rawRecords(ws)).map((r) => path.basename(r.sourcePath)).sort()).to.deep.equal(['first.csv', 'second.csv'])
  })

  it('keeps the state of a folder it cannot read for a while: nothing forgotten, nothing taken again', async () => {
    await addPath()
    mkdirSync(path.join(drop, 'sub'))
    writeFileSync(path.join(drop, 'sub', 'a.csv'), 'a\n1\n')
    // Root reads any folder: as root (CI), the CLI runs without the capabilities that let it (setpriv, util-linux).
    const through = process.getuid?.() === 0 ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--'] : []
    watcher = new RunningWatcher(ws, ['--rescan-interval', '1s'], {}, through)
    await watcher.until('sub/a.csv ingested', () => ingested('sub/a.csv').length === 1)
    const scansAfter = async (what: string, more: number): Promise<void> => {
      const scanned = watcher!.of('path.scanned').length
      await watcher!.until(what, () => watcher!.of('path.scanned').length >= scanned + more)
    }
    chmodSync(path.join(drop, 'sub'), 0o000)
    try {
      await scansAfter('rescans of the unreadable folder', 2)
    } finally {
      chmodSync(path.join(drop, 'sub'), 0o755)
    }
    // Long enough for a forgotten file to be seen, become stable and be ingested again.
    await scansAfter('rescans of the folder readable again', 3)
    expect(watcher.of('file.seen', 'sub/a.csv')).to.have.length(1)
    expect(ingested('sub/a.csv')).to.have.length(1)
    expect((await ws.run(['watch', 'status', '--json'])).json.paths[0]).to.include({ingested: 1, pending: 0})
  })

  it('retries a failing file with backoff, then reports it failed, and takes it again once it changes', async () => {
    await addPath()
    start('--retry-delay', '0.2s', '--attempts', '3')
    writeFileSync(path.join(drop, 'empty.csv'), '')
    await watcher!.until('empty.csv failed', () => watcher!.of('file.failed', 'empty.csv').length === 1)
    const retries = watcher!.of('file.retry', 'empty.csv')
    expect(retries.map((e) => e.code)).to.deep.equal(['EMPTY_FILE', 'EMPTY_FILE'])
    // The second wait is twice the first.
    const waits = retries.map((e: any) => Date.parse(e.retryAt) - Date.parse(e.time))
    expect(waits[1]).to.be.greaterThan(waits[0])
    const status = (await ws.run(['watch', 'status', '--json'])).json.paths[0]
    expect(status).to.include({failed: 1, pending: 0})
    expect(status.lastError).to.include({relativePath: 'empty.csv', code: 'EMPTY_FILE'})
    writeFileSync(path.join(drop, 'empty.csv'), 'now,filled\n1,2\n')
    await watcher!.until('empty.csv ingested once filled', () => ingested('empty.csv').length === 1)
  })

  it('converts ingested files when the path says so, and archives them after the delay', async () => {
    const archive = ws.path('archive')
    await addPath('--convert', '--archive-to', archive, '--archive-after', '1s')
    start()
    mkdirSync(path.join(drop, 'plates'))
    writeFileSync(path.join(drop, 'plates', 'absorbance.csv'), readFileSync(ENVISION))
    await watcher!.until('converted', () => watcher!.of('file.converted', 'plates/absorbance.csv').length === 1)
    await watcher!.until('archived', () => watcher!.of('file.archived', 'plates/absorbance.csv').length === 1)
    expect(existsSync(path.join(drop, 'plates', 'absorbance.csv'))).to.equal(false)
    expect(readFileSync(path.join(archive, 'plates', 'absorbance.csv')).equals(readFileSync(ENVISION))).to.equal(true)
    const [record] = await rawRecords(ws)
    expect(record.status).to.equal('converted')
    const rows = await ws.run(['query', 'SELECT count(*) AS n FROM lab.plate_reader_measurement', '--format', 'json'])
    expect(rows.code, rows.stderr).to.equal(0)
    expect(JSON.parse(rows.stdout)[0].n).to.be.greaterThan(0)
    const status = (await ws.run(['watch', 'status', '--json'])).json.paths[0]
    expect(status).to.include({archived: 1, pending: 0, failed: 0})
  })

  it('after a restart, files already stored are not ingested again; new ones are', async () => {
    await addPath('--convert')
    writeFileSync(path.join(drop, 'one.csv'), readFileSync(ENVISION))
    start()
    await watcher!.until('converted', () => watcher!.of('file.converted', 'one.csv').length === 1)
    await watcher!.stop()
    watcher = undefined
    start()
    await watcher!.until('the first scan', (events) => events.some((e) => e.event === 'path.scanned'))
    writeFileSync(path.join(drop, 'two.csv'), readFileSync(ENVISION))
    await watcher!.until('two.csv ingested', () => ingested('two.csv').length === 1)
    expect(ingested('one.csv')).to.have.length(0)
    expect(await rawRecords(ws)).to.have.length(2)
  })
})
