import {createHash} from 'node:crypto'
import {chmodSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'
import Database from 'better-sqlite3'

import {MIGRATIONS} from '../../../src/backends/local/migrations.js'
import {TestWorkspace} from '../../support/cli.js'
import {INSTRUMENTS} from '../../support/testdata.js'

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
const CEDEX = path.join(INSTRUMENTS, 'roche_cedex_bioht')
const ENVISION = path.join(INSTRUMENTS, 'perkin_elmer_envision')

describe('labmesh search', function () {
  this.timeout(300_000)
  let ws: TestWorkspace
  before(async () => {
    ws = new TestWorkspace()
    const cedex = await ws.run([
      'ingest',
      CEDEX,
      '--exclude',
      '**/*.json',
      '--label',
      'site=cambridge',
      '--metadata',
      'project=beta',
      '--json',
    ])
    expect(cedex.code, cedex.stderr).to.equal(0)
    const envision = await ws.run(['ingest', ENVISION, '--exclude', '**/*.json', '--label', 'site=boston', '--json'])
    expect(envision.code, envision.stderr).to.equal(0)
    const converted = await ws.run(['convert', '--json'])
    expect(converted.code, converted.stderr).to.equal(0)
  })
  after(() => ws.remove())

  it('--json returns hits with the file record, score and highlighted snippet', async () => {
    const result = await ws.run(['search', 'glutamine label.site:cambridge', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.json).to.include({query: 'glutamine label.site:cambridge', offset: 0, unindexed: 0})
    expect(result.json.total).to.be.greaterThan(0)
    expect(result.json.hits).to.have.length(result.json.total)
    for (const hit of result.json.hits) {
      expect(hit.file.category).to.equal('ENGINEERED')
      expect(hit.file.labels).to.deep.include({name: 'site', value: 'cambridge'})
      expect(hit.score).to.be.greaterThan(0)
      expect(hit.snippet).to.match(/«(glutamine|cambridge)»/i)
    }
  })

  it('prints a table of hits and how many there are', async () => {
    const result = await ws.run(['search', 'instrument:envision', '--category', 'RAW', '--limit', '3'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout, 'down a pipe: TSV with a header').to.match(/^file\tname\tcategory\tmetadata\tmatch\tscore\n/)
    expect(result.stdout.trim().split('\n')).to.have.length(4)
    expect(result.stdout).to.contain('instrument=perkin-elmer-envision')
    expect(result.stderr).to.contain('Showing 1-3 of 7 files.')
    expect(result.stdout).not.to.contain('ENGINEERED')
  })

  it('--count prints only the number', async () => {
    const human = await ws.run(['search', 'label:boston', '--count'])
    expect(human.stdout).to.equal('14\n')
    const json = await ws.run(['search', 'label:boston', '--count', '--json'])
    expect(json.json).to.deep.equal({query: 'label:boston', total: 14, unindexed: 0})
  })

  it('--facets counts hits per value; --limit 0 shows only counts', async () => {
    const json = await ws.run(['search', '', '--facets', 'label.site', '--facets', 'category', '--limit', '0', '--json'])
    expect(json.json.hits).to.deep.equal([])
    expect(json.json.facets).to.deep.equal({
      'label.site': [
        {value: 'cambridge', count: 16},
        {value: 'boston', count: 14},
      ],
      category: [
        {value: 'ENGINEERED', count: 15},
        {value: 'RAW', count: 15},
      ],
    })
    const human = await ws.run(['search', 'project:beta', '--facets', 'instrument', '--limit', '0'])
    expect(human.stdout).to.match(/^roche-cedex-bioht\t16$/m)
  })

  it('--sort path with --limit and --offset pages through the hits', async () => {
    const all = await ws.run(['search', 'label:boston', '--sort', 'path', '--limit', '100', '--json'])
    const page = await ws.run(['search', 'label:boston', '--sort', 'path', '--limit', '4', '--offset', '4', '--json'])
    const paths = all.json.hits.map((h: any) => h.file.sourcePath)
    expect(paths).to.deep.equal([...paths].sort())
    expect(page.json.hits.map((h: any) => h.file.fileId)).to.deep.equal(all.json.hits.slice(4, 8).map((h: any) => h.file.fileId))
  })

  it('a syntax error exits 6 with INVALID_INPUT, the position and a caret under it', async () => {
    const json = await ws.run(['search', 'sample:S-001 (glucose OR', '--json'])
    expect(json.code).to.equal(6)
    expect(json.json.error).to.include({code: 'INVALID_INPUT', position: 25})
    const human = await ws.run(['search', 'time>=last-week'])
    expect(human.code).to.equal(6)
    expect(human.stderr).to.contain('Error [INVALID_INPUT]: invalid search query at position 7: "last-week" is not a date or time')
    expect(human.stderr).to.contain('  time>=last-week\n        ^\n')
  })

  it('SQL and FTS5 in a query are only words; the records stay whole', async () => {
    for (const query of [`'; DROP TABLE files; --`, `x" OR 1=1 --"`, `"glutamine NOT x" NEAR(a b)`, `sample:"'; DELETE FROM labels; --"`]) {
      const result = await ws.run(['search', query, '--json'])
      expect(result.code, `${query}: ${result.stderr}`).to.equal(0)
      expect(result.json.total, query).to.equal(0)
    }
    const listed = await ws.run(['files', 'list', '--label', 'site=boston', '--json'])
    expect(listed.json.files).to.have.length(14)
  })

  it('--download restores the raw file of every hit once, verified, and can be re-run', async () => {
    const out = ws.path('downloads')
    const result = await ws.run(['search', 'glutamine', '--limit', '1', '--download', out, '--json'])
    expect(result.code, result.stderr).to.equal(0)
    // Engineered hits bring their raw file: every Cedex export whose document names glutamine, all pages.
    const expectedNames = (await ws.run(['search', 'glutamine', '--limit', '100', '--json'])).json.hits
      .map((h: any) => path.basename(h.file.sourcePath))
      .sort()
    expect(readdirSync(out).sort()).to.deep.equal(expectedNames)
    for (const file of result.json.download.files) {
      const name = path.basename(file.path)
      expect(sha256(readFileSync(file.path))).to.equal(sha256(readFileSync(path.join(CEDEX, name))))
      expect(file.verified).to.equal(true)
    }
    const again = await ws.run(['search', 'glutamine', '--download', out, '--json'])
    expect(again.code, again.stderr).to.equal(0)
    expect(again.json.download.files).to.have.length(expectedNames.length)
    writeFileSync(path.join(out, expectedNames[0]), 'someone else’s file')
    const clash = await ws.run(['search', 'glutamine', '--download', out, '--json'])
    expect(clash.code).to.equal(6)
    expect(clash.json.download.failed).to.deep.equal([
      {
        fileId: clash.json.download.failed[0].fileId,
        sourcePath: path.join(CEDEX, expectedNames[0]),
        code: 'CONFLICT',
        message: `${path.join(out, expectedNames[0])} already exists`,
      },
    ])
    expect(clash.json.download.files).to.have.length(expectedNames.length - 1)

    // One stored object damaged at the same size: refused by its sha256, the others still restored.
    const damaged = result.json.download.files.find((f: any) => path.basename(f.path) === expectedNames[1])
    const object = path.join(ws.home, 'objects', damaged.sha256.slice(0, 2), damaged.sha256)
    const original = readFileSync(object)
    const flipped = Buffer.from(original)
    flipped[flipped.length >> 1] ^= 0x01
    chmodSync(object, 0o644)
    writeFileSync(object, flipped)
    try {
      const fresh = ws.path('downloads-after-damage')
      const hurt = await ws.run(['search', 'glutamine', '--download', fresh, '--json'])
      expect(hurt.code).to.equal(6)
      expect(hurt.json.download.failed).to.have.length(1)
      expect(hurt.json.download.failed[0]).to.include({fileId: damaged.fileId, code: 'INVALID_DATA'})
      expect(readdirSync(fresh).sort()).to.deep.equal(expectedNames.filter((n: string) => n !== expectedNames[1]))
    } finally {
      writeFileSync(object, original)
    }
    // Like files get: a different file of the same name is replaced only with --force, and only a regular file.
    const forced = await ws.run(['search', 'glutamine', '--download', out, '--force', '--json'])
    expect(forced.code, forced.stdout).to.equal(0)
    expect(sha256(readFileSync(path.join(out, expectedNames[0])))).to.equal(sha256(readFileSync(path.join(CEDEX, expectedNames[0]))))
    rmSync(path.join(out, expectedNames[1]))
    symlinkSync(ws.path('precious.txt'), path.join(out, expectedNames[1]))
    writeFileSync(ws.path('precious.txt'), 'keep')
    const linked = await ws.run(['search', 'glutamine', '--download', out, '--force', '--json'])
    expect(linked.json.download.failed.map((f: {code: string}) => f.code)).to.deep.equal(['INVALID_INPUT'])
    expect(readFileSync(ws.path('precious.txt'), 'utf8')).to.equal('keep')
    const inside = await ws.run(['search', 'glutamine', '--download', path.join(ws.home, 'lake'), '--json'])
    expect(inside.code).to.equal(4)
    expect(inside.json.error.code).to.equal('FORBIDDEN')
  })

  it('takes a query that starts with - after --, and refuses queries nested or long beyond the limits with exit 6', async () => {
    const all = (await ws.run(['search', '', '--json'])).json.total
    const negated = await ws.run(['search', '--json', '--', '-glutamine'])
    expect(negated.code, negated.stdout).to.equal(0)
    const glutamine = (await ws.run(['search', 'glutamine', '--json'])).json.total
    expect(negated.json.total).to.equal(all - glutamine)
    for (const query of [`${'('.repeat(3000)}a${')'.repeat(3000)}`, Array.from({length: 10_000}, () => 'NOT a*').join(' ')]) {
      const refused = await ws.run(['search', query, '--json'])
      expect(refused.code).to.equal(6)
      expect(refused.json.error.code).to.equal('INVALID_INPUT')
    }
  })

  describe('saved searches', () => {
    it('save, list and run a query by name', async () => {
      const saved = await ws.run(['search', 'save', 'cambridge-glutamine', 'label.site:cambridge glutamine', '--json'])
      expect(saved.code, saved.stderr).to.equal(0)
      expect(saved.json).to.include({name: 'cambridge-glutamine', query: 'label.site:cambridge glutamine'})
      const listed = await ws.run(['search', 'list', '--json'])
      expect(listed.json.searches.map((s: any) => [s.name, s.query])).to.deep.include([
        'cambridge-glutamine',
        'label.site:cambridge glutamine',
      ])
      const run = await ws.run(['search', 'run', 'cambridge-glutamine', '--json'])
      const direct = await ws.run(['search', 'label.site:cambridge glutamine', '--json'])
      expect(run.json.name).to.equal('cambridge-glutamine')
      expect(run.json.hits).to.deep.equal(direct.json.hits)
      const counted = await ws.run(['search', 'run', 'cambridge-glutamine', '--count'])
      expect(counted.stdout).to.equal(`${direct.json.total}\n`)
    })

    it('refuses a taken name without --force, a bad query and a bad name; unknown names are NOT_FOUND', async () => {
      await ws.run(['search', 'save', 'boston', 'label.site:boston'])
      const taken = await ws.run(['search', 'save', 'boston', 'label:boston', '--json'])
      expect(taken.code).to.equal(5)
      expect(taken.json.error.code).to.equal('CONFLICT')
      const forced = await ws.run(['search', 'save', 'boston', 'label:boston', '--force', '--json'])
      expect(forced.json.query).to.equal('label:boston')
      const badQuery = await ws.run(['search', 'save', 'broken', '(glucose', '--json'])
      expect(badQuery.code).to.equal(6)
      expect(badQuery.json.error.code).to.equal('INVALID_INPUT')
      const badName = await ws.run(['search', 'save', '../x', 'glucose', '--json'])
      expect(badName.json.error.code).to.equal('INVALID_INPUT')
      const names = (await ws.run(['search', 'list', '--json'])).json.searches.map((s: any) => s.name)
      expect(names).not.to.include.members(['broken'])
      const unknown = await ws.run(['search', 'run', 'nope', '--json'])
      expect(unknown.code).to.equal(3)
      expect(unknown.json.error.code).to.equal('NOT_FOUND')
    })
  })

  describe('reindex', () => {
    it('after an upgrade, says the files stored before search are not indexed, and reindex finds them again', async () => {
      const before = await ws.run(['search', 'glutamine OR envision', '--limit', '100', '--json'])
      // The workspace as labmesh left it before search existed: the schema one migration back.
      const db = new Database(path.join(ws.home, 'labmesh.db'))
      const searchMigration = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE search_entries'))
      // Tables of the migrations after search's go too, so that every later migration runs again.
      // (Only those still there: a migration that rebuilds a table creates it under another name, then renames it.)
      const existing = new Set(
        (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as {name: string}[]).map((t) => t.name),
      )
      const later = MIGRATIONS.slice(searchMigration + 1)
        .flatMap((m) => [...m.matchAll(/CREATE TABLE (\w+)/g)].map((match) => match[1]))
        .filter((table) => existing.has(table))
      db.exec(`DROP TRIGGER files_insert_outbox; DROP TRIGGER files_update_outbox; DROP TRIGGER labels_insert_outbox; DROP TRIGGER labels_delete_outbox;
        DROP INDEX files_by_time;
        DROP TRIGGER files_delete_search; DROP TRIGGER files_latest_search;
        DROP TABLE search_entries; DROP TABLE search_text; DROP TABLE search_values; DROP TABLE saved_searches; DROP TABLE search_backlog;
        DROP TRIGGER files_ingested_event; DROP TRIGGER files_converted_event; DROP TRIGGER files_delete_outbox;
        ${later.map((table) => `DROP TABLE ${table};`).join(' ')}
        PRAGMA user_version = ${searchMigration}`)
      db.close()
      const warned = await ws.run(['search', 'glutamine OR envision', '--json'])
      expect(warned.json).to.include({total: 0, unindexed: 30})
      const warnedHuman = await ws.run(['search', 'glutamine'])
      expect(warnedHuman.stderr).to.contain('Warning: 30 stored files are not in the search index yet: run `labmesh search reindex`.')
      const reindexed = await ws.run(['search', 'reindex', '--json'])
      expect(reindexed.code, reindexed.stderr).to.equal(0)
      expect(reindexed.json).to.deep.equal({indexed: 30, removed: 0, failed: []})
      const after = await ws.run(['search', 'glutamine OR envision', '--limit', '100', '--json'])
      expect(after.json).to.deep.equal(before.json)
      expect((await ws.run(['search', 'glutamine'])).stderr).not.to.contain('Warning')
      const human = await ws.run(['search', 'reindex'])
      expect(human.stdout).to.equal('Indexed 30 files; removed 0 entries of files no longer stored.\n')
    })
  })
})
