import {copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {TestWorkspace} from '../support/cli.js'
import {INSTRUMENTS} from '../support/testdata.js'
import {RunningWatcher} from '../support/watcher.js'

/**
 * `labmesh status` on a real local workspace (SQLite, files, DuckDB) after real ingest, convert
 * and watch runs of exports from ../shared/testdata: the runs kept and their exact counts.
 */
describe('labmesh status (local backend)', function () {
  this.timeout(300_000)
  const ws = new TestWorkspace()
  const envision = path.join(INSTRUMENTS, 'perkin_elmer_envision')
  const exports = readdirSync(envision).filter((f) => !f.endsWith('.expected.json'))
  const exportBytes = exports.reduce((sum, f) => sum + statSync(path.join(envision, f)).size, 0)
  const nanodrop = path.join(INSTRUMENTS, 'thermo_fisher_nanodrop_eight', 'thermo_nanodrop_eight_RNA.txt')
  const drop = ws.path('drop')
  const today = new Date().toISOString().slice(0, 10)
  after(() => ws.remove())

  it('shows nothing before the first run', async () => {
    const status = await ws.run(['status', '--json'])
    expect(status.code, status.stderr).to.equal(0)
    expect(status.json.runs).to.deep.equal([])
    expect(status.json.days).to.have.length(14)
    expect(status.json.days.at(-1)).to.deep.include({day: today, runs: 0})
  })

  it('keeps each run of ingest, convert and watch with its exact counts and failures', async () => {
    mkdirSync(drop)
    writeFileSync(path.join(drop, 'empty.csv'), '')
    const ingest = await ws.run(['ingest', envision, drop, '--exclude', '**/*.expected.json', '--json'])
    expect(ingest.code).to.equal(6)
    const convert = await ws.run(['convert', '--json'])
    expect(convert.code, convert.stderr).to.equal(0)
    const engineeredBytes = convert.json.files.reduce((sum: number, f: {size: number}) => sum + f.size, 0)

    const watched = ws.path('watched')
    mkdirSync(watched)
    expect((await ws.run(['paths', 'add', watched, '--name', 'nanodrop', '--stable-seconds', '1', '--convert', '--json'])).code).to.equal(0)
    const watcher = new RunningWatcher(ws)
    await watcher.until('the first scan', (events) => events.some((e) => e.event === 'path.scanned'))
    copyFileSync(nanodrop, path.join(watched, 'rna.txt'))
    await watcher.until('the file converted', () => watcher.of('file.converted', 'rna.txt').length === 1)
    expect((await watcher.stop()).code, watcher.stderr).to.equal(0)

    const status = await ws.run(['status', '--json'])
    expect(status.code, status.stderr).to.equal(0)
    const runs = status.json.runs.map((r: any) => [r.command, r.status, r.ingested, r.unchanged, r.converted, r.failed, r.bytesIngested])
    expect(runs).to.deep.equal([
      ['watch', 'ok', 1, 0, 1, 0, statSync(nanodrop).size],
      ['convert', 'ok', 0, 0, exports.length, 0, 0],
      ['ingest', 'failed', exports.length, 0, 0, 1, exportBytes],
    ])
    expect(status.json.runs[1].bytesConverted).to.equal(engineeredBytes)
    expect(status.json.days.at(-1)).to.deep.equal({
      day: today,
      runs: 3,
      ingested: exports.length + 1,
      converted: exports.length + 1,
      failed: 1,
      applied: 0,
      bytesIngested: exportBytes + statSync(nanodrop).size,
      bytesConverted: status.json.runs[0].bytesConverted + engineeredBytes,
      errors: 0,
    })
    expect(status.json.totals).to.include({runs: 3, failed: 1})
    expect(status.json.failures).to.deep.equal([
      {
        runId: status.json.runs[2].runId,
        command: 'ingest',
        at: status.json.runs[2].startedAt,
        path: path.join(drop, 'empty.csv'),
        stage: 'ingest',
        code: 'EMPTY_FILE',
        message: 'the file is empty (0 bytes): nothing to store',
      },
    ])
  })

  it('bounds what it shows: --days and --limit', async () => {
    const bounded = await ws.run(['status', '--days', '1', '--limit', '1', '--json'])
    expect(bounded.json.days).to.have.length(1)
    expect(bounded.json.runs.map((r: any) => r.command)).to.deep.equal(['watch'])
    expect(bounded.json.failures).to.have.length(1)
    expect((await ws.run(['status', '--days', '181', '--json'])).json.error.code).to.equal('USAGE')
  })

  it('prints tables without bars when stdout is not a terminal', async () => {
    const text = await ws.run(['status'])
    expect(text.code, text.stderr).to.equal(0)
    expect(text.stdout).to.include('Last runs')
    expect(text.stdout).to.include(`Per day since`)
    expect(text.stdout).to.include('EMPTY_FILE')
    expect(text.stdout).not.to.match(/[█▒]/)
  })
})
