import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import {expect} from 'chai'

import {createLocalCatalog} from '../../../src/backends/local/catalog.js'
import {openDatabase} from '../../../src/backends/local/database.js'
import {MIGRATIONS} from '../../../src/backends/local/migrations.js'

/** The schema a workspace had before managed locations became relative (and convert claims existed). */
const BEFORE = MIGRATIONS.findIndex((m) => m.includes("SET location = database || '/' || name"))

describe('workspace database migrations', () => {
  let root: string
  let file: string
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-migrations-'))
    file = path.join(root, 'labmesh.db')
  })
  afterEach(() => rmSync(root, {recursive: true, force: true}))

  /** A database as an older labmesh left it: files with labels and lineage, indexed, and tables at absolute paths. */
  function olderWorkspace(oldHome: string): void {
    const db = new Database(file)
    for (const migration of MIGRATIONS.slice(0, BEFORE)) db.exec(migration)
    db.pragma(`user_version = ${BEFORE}`)
    const insert = db.prepare(`INSERT INTO files (file_id, category, trace_id, raw_file_id, sha256, size, source_path, source_host,
      ingested_at, modified_at, version, metadata, status) VALUES (?, ?, 't', ?, 'aa', 1, ?, 'host', '2024-01-01', '2024-01-01', 1, '{}', ?)`)
    insert.run('raw-1', 'RAW', null, '/drop/a.csv', 'converted')
    insert.run('eng-1', 'ENGINEERED', 'raw-1', '/drop/a.csv', 'converted')
    insert.run('raw-2', 'RAW', null, '/drop/b.csv', 'failed')
    db.prepare("INSERT INTO labels VALUES ('raw-1', 'site', 'boston')").run()
    db.prepare(
      "INSERT INTO search_entries (file_id, latest, category, size, path, version, time) VALUES ('raw-1', 1, 'RAW', 1, '/drop/a.csv', 1, 0)",
    ).run()
    const table = db.prepare('INSERT INTO catalog_tables VALUES (?, ?, ?, ?, ?)')
    table.run('lab', 'files', path.join(oldHome, 'lake', 'lab', 'files'), 1, '2024-01-01')
    table.run('shared', 'assays', '/data/delta/assays', 0, '2024-01-01')
    db.close()
  }

  it('keeps every record, label and index entry, and makes managed table locations relative to the lake', async () => {
    olderWorkspace('/somewhere/else/ws')
    const db = openDatabase(file)
    try {
      expect(db.pragma('user_version', {simple: true})).to.equal(MIGRATIONS.length)
      const files = db.prepare('SELECT file_id, raw_file_id, status, claim_owner FROM files ORDER BY file_id').all()
      expect(files).to.deep.equal([
        {file_id: 'eng-1', raw_file_id: 'raw-1', status: 'converted', claim_owner: null},
        {file_id: 'raw-1', raw_file_id: null, status: 'converted', claim_owner: null},
        {file_id: 'raw-2', raw_file_id: null, status: 'failed', claim_owner: null},
      ])
      expect(db.prepare('SELECT * FROM labels').all()).to.deep.equal([{file_id: 'raw-1', name: 'site', value: 'boston'}])
      // Foreign keys and the search and outbox triggers still hold on the rebuilt table.
      expect(() => db.prepare("INSERT INTO labels VALUES ('nobody', 'a', 'b')").run()).to.throw(/FOREIGN KEY/)
      db.prepare("UPDATE files SET status = 'converting', claim_owner = 'host:1:x' WHERE file_id = 'raw-2'").run()
      expect(() => db.prepare("UPDATE files SET status = 'lost' WHERE file_id = 'raw-2'").run()).to.throw(/CHECK/)
      // The outbox triggers too: a status change and a label change are each queued for the lake.
      const queued = db.prepare('SELECT count(*) AS n FROM file_outbox')
      const before = (queued.get() as {n: number}).n
      db.prepare("UPDATE files SET status = 'failed' WHERE file_id = 'raw-2'").run()
      db.prepare("INSERT INTO labels VALUES ('raw-2', 'qc', 'ok')").run()
      expect((queued.get() as {n: number}).n).to.equal(before + 2)
      db.prepare("DELETE FROM labels WHERE file_id = 'raw-1'").run()
      db.prepare("UPDATE files SET raw_file_id = NULL WHERE file_id = 'eng-1'").run()
      db.prepare("DELETE FROM files WHERE file_id = 'raw-1'").run()
      expect(db.prepare('SELECT count(*) AS n FROM search_entries').get()).to.deep.equal({n: 0})

      const lake = path.join(root, 'lake')
      const catalog = createLocalCatalog(db, {home: root, lake})
      expect((await catalog.list()).map((e) => [e.database, e.table, e.location])).to.deep.equal([
        ['lab', 'files', path.join(lake, 'lab', 'files')],
        ['shared', 'assays', '/data/delta/assays'],
      ])
      expect(db.prepare('SELECT location FROM catalog_tables ORDER BY database').all()).to.deep.equal([
        {location: 'lab/files'},
        {location: '/data/delta/assays'},
      ])
    } finally {
      db.close()
    }
  })
})
