import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'
import pg from 'pg'

import {BIN, TestWorkspace} from '../../support/cli.js'
import {CONVERTED_EXPORTS} from '../../support/converted-workspace.js'
import {type AwsWorkspace, startAwsWorkspace} from '../../support/aws/workspace.js'

const INGEST = ['--label', 'site=boston', '--metadata', 'project=alpha']

/**
 * `labmesh search` on an aws profile, as a user runs it: the built CLI in a subprocess over the
 * real S3 protocol (s3rver), a real PostgreSQL (the search index is its full-text search) and the
 * recording endpoint for Glue, STS and KMS. A local workspace ingests and converts the same real
 * exports, and both answer the same searches with the same files.
 */
describe('labmesh search on an aws profile (PostgreSQL full-text search)', function () {
  this.timeout(300_000)
  let aws: AwsWorkspace
  let local: TestWorkspace

  /** Each hit as (category, source path): ids differ between the two workspaces. */
  const hitsOf = (json: {hits: {file: {category: string; sourcePath: string}}[]}): string[] =>
    json.hits.map((h) => `${h.file.category} ${h.file.sourcePath}`)

  before(async () => {
    aws = await startAwsWorkspace()
    local = new TestWorkspace()
    for (const run of [aws.run, (args: string[]) => local.run(args)]) {
      const ingested = await run(['ingest', ...CONVERTED_EXPORTS, ...INGEST, '--json'])
      expect(ingested.code, ingested.stderr).to.equal(0)
      const converted = await run(['convert', '--json'])
      expect(converted.code, converted.stderr).to.equal(0)
    }
  })
  after(async () => {
    await aws?.stop()
    local?.remove()
  })

  it('finds the same files as the local backend, with --json, --count, --facets and --sort', async () => {
    for (const query of [
      'plate',
      'label.site:boston category:RAW',
      'instrument:envision OR nanodrop',
      'luminescence -category:RAW',
      '"nanodrop eight"',
      'project:alp* size<100KB',
      'ingested>=2000 -(envision OR softmax)',
    ]) {
      const args = ['search', query, '--sort', 'path', '--limit', '100', '--json']
      const [onAws, onLocal] = [await aws.run(args), await local.run(args)]
      expect(onAws.code, onAws.stderr).to.equal(0)
      expect(hitsOf(onAws.json), query).to.deep.equal(hitsOf(onLocal.json))
      expect(onAws.json.total, query).to.equal(onLocal.json.total)
      expect(onAws.json.unindexed).to.equal(0)
    }
    const ranked = await aws.run(['search', 'luminescence', '--json'])
    expect(ranked.json.hits[0].score).to.be.greaterThan(0)
    expect(ranked.json.hits[0].snippet).to.match(/«luminescence»/i)
    const count = await aws.run(['search', 'category:RAW', '--count'])
    expect(count.stdout.trim()).to.equal(String(CONVERTED_EXPORTS.length))
    const facets = ['search', '', '--facets', 'category', '--facets', 'label.site', '--limit', '0', '--json']
    expect((await aws.run(facets)).json.facets).to.deep.equal((await local.run(facets)).json.facets)
    const human = await aws.run(['search', 'nanodrop'])
    expect(human.code, human.stderr).to.equal(0)
    expect(human.stdout).to.include('thermo_nanodrop_eight_RNA.txt')
    const bad = await aws.run(['search', 'sample:S-001 (glucose OR', '--json'])
    expect(bad.code).to.equal(6)
    expect(bad.json.error.code).to.equal('INVALID_INPUT')
  })

  it('downloads the raw file of every hit from S3, verified, and re-runs without fetching again', async () => {
    const out = aws.ws.path('hits')
    const first = await aws.run(['search', 'label.site:boston', '--download', out, '--json'])
    expect(first.code, first.stderr).to.equal(0)
    expect(first.json.download.failed).to.deep.equal([])
    expect(first.json.download.files).to.have.length(CONVERTED_EXPORTS.length)
    for (const original of CONVERTED_EXPORTS) {
      expect(readFileSync(path.join(out, path.basename(original))).equals(readFileSync(original)), original).to.equal(true)
    }
    const gets = aws.s3.matching('GET', /\/raw\//).length
    const again = await aws.run(['search', 'label.site:boston', '--download', out, '--json'])
    expect(again.json.download.files).to.have.length(CONVERTED_EXPORTS.length)
    expect(aws.s3.matching('GET', /\/raw\//).length).to.equal(gets)
  })

  it('keeps labels searchable at once, saved searches, and rebuilds the index with search reindex', async () => {
    const [file] = (await aws.run(['files', 'list', '--category', 'RAW', '--limit', '1', '--json'])).json.files
    const labelled = await aws.run(['files', 'label', file.fileId, 'reviewer=okafor', '--json'])
    expect(labelled.code, labelled.stderr).to.equal(0)
    expect((await aws.run(['search', 'label.reviewer:okafor', '--json'])).json.hits.map((h: any) => h.file.fileId)).to.deep.equal([
      file.fileId,
    ])
    const saved = await aws.run(['search', 'save', 'reviewed', 'label.reviewer:okafor', '--json'])
    expect(saved.code, saved.stderr).to.equal(0)
    const ran = await aws.run(['search', 'run', 'reviewed', '--json'])
    expect(ran.json.hits.map((h: any) => h.file.fileId)).to.deep.equal([file.fileId])

    // An index emptied behind labmesh's back (as after an upgrade), then rebuilt from the records.
    const client = new pg.Client({connectionString: aws.databaseUrl})
    await client.connect()
    try {
      await client.query('DELETE FROM search_entries')
      await client.query('UPDATE search_backlog SET files = $1', [CONVERTED_EXPORTS.length * 2])
    } finally {
      await client.end()
    }
    const empty = await aws.run(['search', 'plate', '--json'])
    expect(empty.json).to.include({total: 0, unindexed: CONVERTED_EXPORTS.length * 2})
    const rebuilt = await aws.run(['search', 'reindex', '--json'])
    expect(rebuilt.code, rebuilt.stderr).to.equal(0)
    expect(rebuilt.json).to.deep.include({indexed: CONVERTED_EXPORTS.length * 2, failed: []})
    const args = ['search', 'plate', '--sort', 'path', '--limit', '100', '--json']
    const after = await aws.run(args)
    expect(after.json.unindexed).to.equal(0)
    // The documents' words are back too, read again from S3, and the label added since ingest.
    expect(hitsOf(after.json)).to.deep.equal(hitsOf((await local.run(args)).json))
    expect((await aws.run(['search', 'run', 'reviewed', '--json'])).json.hits.map((h: any) => h.file.fileId)).to.deep.equal([file.fileId])
  })

  it('serve answers GET /v1/files?q= from the same index', async () => {
    const key = await aws.run(['keys', 'create', '--name', 'search test', '--scope', 'search', '--scope', 'files:read', '--json'])
    expect(key.code, key.stderr).to.equal(0)
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json', '--profile', 'prod'], {env: aws.ws.env(aws.env)})
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer]
      const {url} = JSON.parse(line.toString().split('\n')[0]) as {url: string}
      const response = await fetch(`${url}/v1/files?q=${encodeURIComponent('instrument:nanodrop')}`, {
        headers: {authorization: `Bearer ${key.json.secret}`},
      })
      expect(response.status).to.equal(200)
      const body = (await response.json()) as {files: {sourcePath: string}[]; total: number}
      expect(body.total).to.equal(2)
      expect(body.files.every((f) => f.sourcePath.endsWith('thermo_nanodrop_eight_RNA.txt'))).to.equal(true)
    } finally {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
  })
})
