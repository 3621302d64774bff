import {spawn} from 'node:child_process'
import {cpSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'

import type {TestWorkspace} from '../support/cli.js'
import {convertedWorkspace} from '../support/converted-workspace.js'
import {shellQuote} from '../support/pty.js'
import {INSTRUMENTS} from '../support/testdata.js'
import {BALANCE_EXPORT, USER_CONVERTER} from '../support/user-converter.js'

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = path.join(PROJECT, 'bin', 'run.js')

interface Example {
  id: string
  command: string
}

/** Every example of every command's --help, as its help prints it. */
function helpExamples(): Example[] {
  const manifest = JSON.parse(readFileSync(path.join(PROJECT, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, {examples?: string[]}>
  }
  return Object.entries(manifest.commands)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([id, command]) =>
      (command.examples ?? []).map((example) => ({
        id: id.replaceAll(':', ' '),
        command: example.replaceAll('<%= config.bin %>', 'labmesh').replaceAll('<%= command.id %>', id.replaceAll(':', ' ')),
      })),
    )
}

/** The files and folders the examples name, as a user who follows them has them (and LIMS_HOOK_SECRET, set in runExample). */
function prepareFolder(ws: TestWorkspace): void {
  writeFileSync(ws.path('report.sql'), 'SELECT count(*) AS plates FROM lab.plate_reader\n')
  writeFileSync(ws.path('my-converter.js'), USER_CONVERTER)
  writeFileSync(ws.path('export.txt'), BALANCE_EXPORT)
  cpSync(path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'), ws.path('plate.csv'))
  mkdirSync(ws.path('exports'))
  cpSync(path.join(INSTRUMENTS, 'perkin_elmer_envision', 'PE_Envision_absorbance_example01.csv'), ws.path('exports', 'absorbance.csv'))
  mkdirSync(ws.path('drop', 'alpha', 'envision'), {recursive: true})
  cpSync(
    path.join(INSTRUMENTS, 'perkin_elmer_envision', 'PE_Envision_luminescence_example01.csv'),
    ws.path('drop', 'alpha', 'envision', 'S-001_2024-03-05.csv'),
  )
}

/** Commands that run until stopped (a server, a watcher): their examples only have to start and keep running. */
const RUN_UNTIL_STOPPED = new Set(['serve', 'watch'])

/**
 * One example, pasted into bash as it is written, `labmesh` being the built CLI. With `stopAfterMs`,
 * the whole process group is stopped then (`stopped`), as Ctrl-C would.
 */
function runExample(
  ws: TestWorkspace,
  command: string,
  stopAfterMs?: number,
): Promise<{code: number; stdout: string; stderr: string; stopped: boolean}> {
  const script = `labmesh() { ${shellQuote(process.execPath)} ${shellQuote(BIN)} "$@"; }\n${command}`
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], {
      cwd: ws.root,
      env: ws.env({HOME: ws.root, SHELL: '/bin/bash', LIMS_HOOK_SECRET: 'whsec-of-the-lims-0123456789abcdef'}),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let stopped = false
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer =
      stopAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            stopped = true
            process.kill(-child.pid!, 'SIGINT')
          }, stopAfterMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? 1, stdout, stderr, stopped})
    })
  })
}

describe('--help examples', function () {
  this.timeout(1_200_000)
  let ws: TestWorkspace
  before(async () => {
    ;({ws} = await convertedWorkspace())
    prepareFolder(ws)
  })
  after(() => ws.remove())

  it('run as written in a shell: no usage error, no crash, no deprecated flag; ids of the examples are simply not found', async () => {
    const examples = helpExamples()
    expect(examples.length).to.be.greaterThan(50)
    // Topics run side by side; the examples of one topic in order (search save before search run).
    const byTopic = new Map<string, Example[]>()
    for (const example of examples) {
      // init makes the profiles that the profile examples show.
      const topic = example.id === 'init' ? 'profile' : example.id.split(' ')[0]
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), example])
    }
    const failures: string[] = []
    const queue = [...byTopic.values()]
    const worker = async (): Promise<void> => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        for (const {id, command} of group) {
          const result = await runExample(ws, command, RUN_UNTIL_STOPPED.has(id) ? 15_000 : undefined)
          const output = result.stdout + result.stderr
          const notFound = result.code === 3 && /NOT_FOUND/.test(output)
          // Examples for aws profiles refuse clearly in the local workspace the test runs them in, and
          // those for an AWS account say that AWS cannot be reached from here, or that it has no credentials.
          const awsOnly =
            (result.code === 5 && ((/UNSUPPORTED/.test(output) && /local backend/.test(output)) || /cannot reach AWS/.test(output))) ||
            (result.code === 4 && /no valid AWS credentials/.test(output))
          const ran = result.stopped && !/Error \[/.test(output)
          if ((result.code !== 0 && !notFound && !awsOnly && !ran) || /deprecated/i.test(result.stderr)) {
            failures.push(`${command}\n  exit ${result.code}: ${output.trim().split('\n').slice(-4).join('\n  ')}`)
          }
        }
      }
    }
    await Promise.all([worker(), worker(), worker()])
    expect(failures, failures.join('\n')).to.deep.equal([])
    // Every row of lab.files: the five converted exports, and files the ingest examples (run meanwhile) added.
    const written = JSON.parse(readFileSync(ws.path('files.json'), 'utf8'))
    expect(written.rows.length, 'the redirected --json of query').to.be.at.least(5)
    expect(written).to.include({rowCount: written.rows.length, truncated: false, complete: true})
  })
})
