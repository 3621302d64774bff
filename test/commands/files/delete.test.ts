import {createHash} from 'node:crypto'
import {cpSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import {expect} from 'chai'

import {TestWorkspace} from '../../support/cli.js'
import {INSTRUMENTS} from '../../support/testdata.js'

const objectPath = (home: string, sha256: string): string => path.join(home, 'objects', sha256.slice(0, 2), sha256)

describe('deleting: files delete, search delete, catalog unregister, profile remove', function () {
  this.timeout(300_000)
  let ws: TestWorkspace
  /** Raw file records by name: a.csv, b.csv and copy/a-again.csv (the same bytes as a.csv). */
  const raw = new Map<string, any>()

  /** Rows each lab table holds of a file, counted by one query over all of them. */
  async function labRows(fileId: string): Promise<number> {
    const tables = (await ws.run(['catalog', 'list', '--database', 'lab', '--json'])).json.tables.map((t: any) => `lab.${t.table}`)
    const sql = tables.map((t: string) => `SELECT count(*) AS n FROM ${t} WHERE file_id = $id`).join(' UNION ALL ')
    const counted = await ws.run(['query', `SELECT sum(n)::INTEGER AS rows FROM (${sql})`, '--param', `id=${fileId}`, '--json'])
    expect(counted.code, counted.stdout).to.equal(0)
    return counted.json.rows[0].rows
  }

  /** What the workspace database still holds of some files: records, labels, and search entries with their words and values. */
  function leftInDatabase(fileIds: string[]): Record<string, number> {
    const db = new Database(path.join(ws.home, 'labmesh.db'), {readonly: true})
    try {
      const marks = fileIds.map(() => '?').join(', ')
      const count = (sql: string, ...params: string[]): number => (db.prepare(sql).get(...params) as {n: number}).n
      return {
        files: count(`SELECT count(*) AS n FROM files WHERE file_id IN (${marks})`, ...fileIds),
        labels: count(`SELECT count(*) AS n FROM labels WHERE file_id IN (${marks})`, ...fileIds),
        searchEntries: count(`SELECT count(*) AS n FROM search_entries WHERE file_id IN (${marks})`, ...fileIds),
        orphanWords: count('SELECT count(*) AS n FROM search_text WHERE rowid NOT IN (SELECT doc FROM search_entries)'),
        orphanValues: count('SELECT count(*) AS n FROM search_values WHERE doc NOT IN (SELECT doc FROM search_entries)'),
        queuedObjects: count('SELECT count(*) AS n FROM unused_objects'),
      }
    } finally {
      db.close()
    }
  }

  before(async () => {
    ws = new TestWorkspace()
    const drop = ws.path('drop')
    mkdirSync(path.join(drop, 'copy'), {recursive: true})
    cpSync(path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'), path.join(drop, 'a.csv'))
    cpSync(path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'), path.join(drop, 'copy', 'a-again.csv'))
    cpSync(path.join(INSTRUMENTS, 'perkin_elmer_envision', 'PE_Envision_luminescence_example01.csv'), path.join(drop, 'b.csv'))
    const ingested = await ws.run(['ingest', drop, '--label', 'site=boston', '--json'])
    expect(ingested.code, ingested.stderr).to.equal(0)
    for (const file of ingested.json.files) raw.set(path.relative(drop, file.sourcePath), file)
    expect((await ws.run(['convert', '--json'])).json.converted).to.equal(3)
  })
  after(() => ws.remove())

  it('files delete removes a raw file, its document, its rows in every lab table, its index entries and unused bytes; --dry-run nothing', async () => {
    const b = raw.get('b.csv')
    const shown = (await ws.run(['files', 'show', b.fileId, '--json'])).json
    const document = shown.derived[0]
    expect(await labRows(b.fileId)).to.be.greaterThan(0)

    const dry = await ws.run(['files', 'delete', b.fileId, '--dry-run', '--json'])
    expect(dry.code, dry.stdout).to.equal(0)
    expect(dry.json.dryRun).to.equal(true)
    expect(dry.json.files.map((f: any) => f.fileId).sort()).to.deep.equal([b.fileId, document.fileId].sort())
    expect(dry.json.tables).to.deep.include({table: 'lab.files', rows: 1, managed: true})
    expect(leftInDatabase([b.fileId, document.fileId])).to.include({files: 2, labels: 2, searchEntries: 2})
    expect(existsSync(objectPath(ws.home, b.sha256))).to.equal(true)

    const deleted = await ws.run(['files', 'delete', b.fileId.slice(0, 8), '--json'])
    expect(deleted.code, deleted.stdout).to.equal(0)
    expect(deleted.json.objectsRemoved).to.equal(2)
    expect(await labRows(b.fileId), 'no row of the file left in any lab table').to.equal(0)
    expect(leftInDatabase([b.fileId, document.fileId])).to.deep.equal({
      files: 0,
      labels: 0,
      searchEntries: 0,
      orphanWords: 0,
      orphanValues: 0,
      queuedObjects: 0,
    })
    expect(existsSync(objectPath(ws.home, b.sha256)), 'raw bytes').to.equal(false)
    expect(existsSync(objectPath(ws.home, document.sha256)), 'document bytes').to.equal(false)
    expect((await ws.run(['files', 'show', b.fileId, '--json'])).code).to.equal(3)
    expect((await ws.run(['search', 'name:b.csv', '--json'])).json.total).to.equal(0)
    expect(await labRows(raw.get('a.csv').fileId), 'other files keep their rows').to.be.greaterThan(0)

    const audit = await ws.run(['audit', 'list', '--json'])
    expect(audit.json.entries[0]).to.include({action: 'files delete', subject: b.fileId})
    expect(audit.json.entries[0].detail.files).to.have.length(2)
  })

  it('keeps bytes another file uses, and leaves tables registered elsewhere alone: refused without --force', async () => {
    const a = raw.get('a.csv')
    const again = raw.get('copy/a-again.csv')
    expect(again.sha256).to.equal(a.sha256)
    cpSync(path.join(ws.home, 'lake', 'lab', 'files'), ws.path('shared-files'), {recursive: true})
    expect((await ws.run(['catalog', 'register', 'shared.files', ws.path('shared-files')])).code).to.equal(0)

    const refused = await ws.run(['files', 'delete', a.fileId, '--json'])
    expect(refused.code).to.equal(5)
    expect(refused.json.error.code).to.equal('CONFLICT')
    expect(refused.json.error.message).to.include('shared.files (1)')
    expect(refused.json.error.suggestions[0]).to.include('--force')
    expect((await ws.run(['files', 'show', a.fileId, '--json'])).code, 'nothing deleted').to.equal(0)
    const dry = await ws.run(['files', 'delete', a.fileId, '--dry-run'])
    expect(dry.code).to.equal(0)
    expect(dry.stderr).to.include('shared.files (registered from elsewhere) keeps its 1 row').and.include('Without --force')

    const forced = await ws.run(['files', 'delete', a.fileId, '--force', '--json'])
    expect(forced.code, forced.stdout).to.equal(0)
    expect(forced.json.kept).to.deep.equal([{table: 'shared.files', rows: 1, managed: false}])
    expect(forced.json.objectsRemoved, 'only the document: the raw bytes are a-again.csv too').to.equal(1)
    expect(existsSync(objectPath(ws.home, a.sha256))).to.equal(true)
    const restored = await ws.run(['files', 'get', again.fileId, '--out', ws.path('again.csv'), '--json'])
    expect(restored.json.verified).to.equal(true)
    const shared = await ws.run([
      'query',
      'SELECT count(*)::INTEGER AS n FROM shared.files WHERE file_id = $id',
      '--param',
      `id=${a.fileId}`,
      '--json',
    ])
    expect(shared.json.rows[0].n, 'a table labmesh does not manage is never changed').to.equal(1)
  })

  it('a delete that stopped before removing bytes is finished by the next one', async () => {
    // Bytes a crashed delete left queued: no record uses them.
    const bytes = Buffer.from('left by a delete that stopped half-way\n')
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    mkdirSync(path.dirname(objectPath(ws.home, sha256)), {recursive: true})
    writeFileSync(objectPath(ws.home, sha256), bytes, {mode: 0o444})
    // And one whose bytes a delete removed before it stopped: it is still queued, its bytes gone.
    const gone = createHash('sha256').update('removed by a delete that stopped before dequeuing it\n').digest('hex')
    const db = new Database(path.join(ws.home, 'labmesh.db'))
    const queue = db.prepare("INSERT INTO unused_objects (sha256, category, queued_at) VALUES (?, 'RAW', ?)")
    for (const object of [sha256, gone]) queue.run(object, new Date().toISOString())
    db.close()

    const again = raw.get('copy/a-again.csv')
    const deleted = await ws.run(['files', 'delete', again.fileId, '--force', '--json'])
    expect(deleted.code, deleted.stdout).to.equal(0)
    expect(deleted.json.objectsRemoved).to.equal(4)
    expect(existsSync(objectPath(ws.home, sha256))).to.equal(false)
    expect(existsSync(objectPath(ws.home, again.sha256))).to.equal(false)
    expect(leftInDatabase([again.fileId]).queuedObjects).to.equal(0)
  })

  it('search delete, catalog unregister and profile remove: dry runs, refusals naming --force, the audit log', async () => {
    await ws.run(['search', 'save', 'boston', 'label.site:boston'])
    expect((await ws.run(['search', 'delete', 'boston', '--dry-run'])).stdout).to.include('Would delete the saved search "boston"')
    expect((await ws.run(['search', 'list', '--json'])).json.searches).to.have.length(1)
    expect((await ws.run(['search', 'delete', 'boston', '--json'])).json.deleted.query).to.equal('label.site:boston')
    expect((await ws.run(['search', 'list', '--json'])).json.searches).to.deep.equal([])
    expect((await ws.run(['search', 'delete', 'boston'])).code).to.equal(3)

    const notOurs = await ws.run(['catalog', 'unregister', 'shared.files', '--delete-data', '--json'])
    expect(notOurs.code).to.equal(5)
    expect(notOurs.json.error.suggestions[0]).to.include('--force')
    const dry = await ws.run(['catalog', 'unregister', 'shared.files', '--delete-data', '--force', '--dry-run', '--json'])
    expect(dry.json.data.files).to.be.greaterThan(1)
    expect(existsSync(ws.path('shared-files', '_delta_log'))).to.equal(true)
    const kept = await ws.run(['catalog', 'unregister', 'shared.files'])
    expect(kept.code, kept.stderr).to.equal(0)
    expect(kept.stdout).to.include('Its folder stays')
    expect(existsSync(ws.path('shared-files', '_delta_log')), 'the Delta folder is kept').to.equal(true)
    const managed = (await ws.run(['catalog', 'list', '--json'])).json.tables.find((t: any) => t.table === 'plate_reader_measurement')
    const dropped = await ws.run(['catalog', 'unregister', 'lab.plate_reader_measurement', '--delete-data', '--json'])
    expect(dropped.code, dropped.stdout).to.equal(0)
    expect(existsSync(managed.location)).to.equal(false)
    const tables = (await ws.run(['catalog', 'list', '--json'])).json.tables.map((t: any) => `${t.database}.${t.table}`)
    expect(tables).not.to.include.members(['shared.files', 'lab.plate_reader_measurement'])
    expect((await ws.run(['audit', 'list', '--json'])).json.entries.map((e: any) => `${e.action} ${e.subject}`)).to.include.members([
      'search delete boston',
      'catalog unregister shared.files',
      'catalog unregister lab.plate_reader_measurement',
    ])

    await ws.run(['init', '--profile', 'staging', '--backend', 'local', '--home', ws.path('staging'), '--default'])
    const wouldGo = await ws.run(['profile', 'remove', 'staging', '--dry-run', '--json'])
    expect(wouldGo.json).to.include({dryRun: true, wasDefault: true})
    const gone = await ws.run(['profile', 'remove', 'staging', '--json'])
    expect(gone.code, gone.stdout).to.equal(0)
    const config = JSON.parse(readFileSync(path.join(ws.configDir, 'config.json'), 'utf8'))
    expect(config.profiles).not.to.have.property('staging')
    expect(config).not.to.have.property('defaultProfile')
    const audit = readFileSync(path.join(ws.configDir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(audit.at(-1)).to.include({action: 'profile remove', subject: 'staging'})
    expect((await ws.run(['profile', 'remove', 'local'])).code, 'the built-in profile is not in the config').to.equal(3)
  })
})
