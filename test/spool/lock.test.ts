import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {expect} from 'chai'

import type {LabmeshError} from '../../src/errors.js'
import {lockFolder} from '../../src/spool/lock.js'
import {waitFor} from '../support/watcher.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const CONTENDER = path.join(HERE, '../support/lock-contender.mjs')
// The built module: plain node starts in tens of milliseconds, so the contenders race (`npm run build` first).
const LOCK_MODULE = pathToFileURL(path.join(HERE, '../../dist/spool/lock.js')).href

/** A process that has exited: its id names no live process on this host. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], {stdio: 'ignore'})
  await new Promise((resolve) => child.on('exit', resolve))
  return child.pid!
}

/**
 * The lock of a spool folder: real files in a temporary folder; the race with real node processes
 * (the built lock module), each taking over the same dead lock at the same moment.
 */
describe('spool lock', function () {
  this.timeout(300_000)
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'labmesh-lock-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('of processes taking over the same dead lock at the same moment, exactly one proceeds (many rounds)', async () => {
    const rounds = 24
    const contenders = 4
    for (let round = 0; round < rounds; round++) {
      // A lock left by a dead process of this host (taken over at once), or by one elsewhere that stopped refreshing it.
      const left =
        round % 2 === 0
          ? {pid: await deadPid(), host: hostname(), since: new Date().toISOString()}
          : {pid: 1, host: 'another-host', since: new Date(Date.now() - 3_600_000).toISOString()}
      writeFileSync(path.join(dir, 'lock'), JSON.stringify(left))
      if (round % 2 === 1) utimesSync(path.join(dir, 'lock'), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000))
      const startAt = String(Date.now() + 800)
      const children: ChildProcess[] = []
      const outcomes = await Promise.all(
        Array.from({length: contenders}, () => {
          const child = spawn(process.execPath, [CONTENDER, dir, startAt, LOCK_MODULE], {stdio: ['ignore', 'pipe', 'inherit']})
          children.push(child)
          let out = ''
          child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
          return waitFor('the contender to answer', () => out.includes('\n') && out.trim(), 60_000)
        }),
      )
      const winners = children.filter((_, i) => outcomes[i] === 'acquired')
      try {
        expect(
          outcomes.filter((o) => o === 'acquired'),
          `round ${round}: ${outcomes.join(', ')}`,
        ).to.have.length(1)
        expect(outcomes.filter((o) => o !== 'acquired')).to.deep.equal(Array(contenders - 1).fill('CONFLICT'))
        expect(JSON.parse(readFileSync(path.join(dir, 'lock'), 'utf8')).pid).to.equal(winners[0].pid)
        // No claim or temporary file is left behind.
        expect(readdirSync(dir)).to.deep.equal(['lock'])
      } finally {
        for (const child of children) child.kill('SIGKILL')
        await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.on('exit', r)) : null)))
      }
    }
  })

  it('a holder whose lock was taken over stops refreshing it and is told, and does not remove the new holder’s lock', async () => {
    const lost: LabmeshError[] = []
    const release = await lockFolder(dir, 'test folder', {refreshMs: 50, onLost: (error) => lost.push(error)})
    const theirs = JSON.stringify({pid: 424242, host: 'another-host', since: new Date().toISOString(), nonce: 'theirs'})
    const old = new Date(Date.now() - 30_000)
    writeFileSync(path.join(dir, 'lock'), theirs)
    utimesSync(path.join(dir, 'lock'), old, old)
    await waitFor('the loss noticed', () => lost.length > 0, 5000)
    expect(lost).to.have.length(1)
    expect(lost[0].code).to.equal('CONFLICT')
    expect(lost[0].message).to.include('was taken over by another labmesh process (process 424242 on another-host')
    await new Promise((resolve) => setTimeout(resolve, 200))
    // Not refreshed since: its time is still the one the other holder left.
    const {mtimeMs} = await import('node:fs').then((fs) => fs.statSync(path.join(dir, 'lock')))
    expect(Math.abs(mtimeMs - old.getTime())).to.be.below(1000)
    expect(lost).to.have.length(1)
    await release()
    expect(readFileSync(path.join(dir, 'lock'), 'utf8')).to.equal(theirs)
  })
})
