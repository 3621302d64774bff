import {createHash, randomUUID} from 'node:crypto'
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend, Category, FileRecord} from '../../src/backends/types.js'
import type {LabmeshError} from '../../src/errors.js'
import {restoreFile} from '../../src/files/restore.js'
import {SafeOutput} from '../../src/output/safe-output.js'
import {downloadHits} from '../../src/search/download.js'
import {parseQuery} from '../../src/search/parser.js'

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex')

async function failure(promise: Promise<unknown>): Promise<LabmeshError> {
  try {
    await promise
  } catch (error) {
    return error as LabmeshError
  }
  throw new Error('expected a failure')
}

/** restoreFile and downloadHits in process, on a real local backend (content-addressed files + SQLite). */
describe('restoring stored files', function () {
  this.timeout(120_000)
  let root: string
  let backend: Backend
  let out: string
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-restore-'))
    backend = createLocalBackend({home: path.join(root, 'home')})
    out = path.join(root, 'out')
  })
  afterEach(async () => {
    await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  /** Stores `bytes` and a record of them at `sourcePath`. */
  async function stored(sourcePath: string, bytes: string, extra: Partial<FileRecord> = {}): Promise<FileRecord> {
    const object = await backend.objects.putBytes(Buffer.from(bytes))
    const record: FileRecord = {
      fileId: randomUUID(),
      category: 'RAW',
      traceId: randomUUID(),
      rawFileId: null,
      sha256: object.sha256,
      size: object.size,
      sourcePath,
      sourceHost: 'bench-1',
      ingestedAt: '2026-01-02T03:04:05.000Z',
      modifiedAt: '2026-01-02T03:04:05.000Z',
      version: 1,
      metadata: {},
      labels: [],
      status: 'ingested',
      error: null,
      latest: true,
      ...extra,
    }
    await backend.metadata.insertFile(record)
    return record
  }

  /** restoreFile into `out`, as `files get --out` calls it. */
  const restore = async (record: FileRecord, options: {force?: boolean; name?: string} = {}) => {
    const output = new SafeOutput([], options.force)
    return restoreFile(backend, record, output, await output.folder(out), options.name)
  }

  /** Overwrites a stored object in place (objects are read-only). */
  const damage = (record: FileRecord, bytes: Buffer): void => {
    const object = path.join(root, 'home', 'objects', record.sha256.slice(0, 2), record.sha256)
    chmodSync(object, 0o644)
    writeFileSync(object, bytes)
  }
  /** The same bytes with one bit of one byte flipped: equal size, other hash. */
  const flipped = (text: string, at: number): Buffer => {
    const bytes = Buffer.from(text)
    bytes[at] ^= 0x01
    return bytes
  }

  describe('restoreFile', () => {
    it('writes the bytes under the source name and says they were verified', async () => {
      const record = await stored('/drop/plates/run 1.csv', 'well,value\nA1,0.5\n')
      const restored = await restore(record)
      expect(restored).to.deep.equal({
        fileId: record.fileId,
        path: path.join(out, 'run 1.csv'),
        sha256: record.sha256,
        size: 18,
        verified: true,
      })
      expect(readFileSync(restored.path, 'utf8')).to.equal('well,value\nA1,0.5\n')
      expect(readdirSync(out)).to.deep.equal(['run 1.csv'])
    })

    for (const [what, change] of [
      ['one flipped bit at the same size', (text: string) => flipped(text, 12)],
      ['its first byte changed', (text: string) => flipped(text, 0)],
      ['a byte more', (text: string) => Buffer.from(`${text}\n`)],
      ['a byte less', (text: string) => Buffer.from(text.slice(0, -1))],
    ] as const) {
      it(`refuses an object with ${what}, leaving no file behind`, async () => {
        const text = 'well,value\nA1,0.5\n'
        const record = await stored('/drop/run.csv', text)
        damage(record, change(text))
        const error = await failure(restore(record))
        expect(error.code).to.equal('INVALID_DATA')
        expect(error.message).to.equal(
          `stored bytes of ${record.fileId} do not match its record (sha256 ${sha256(change(text))}, expected ${record.sha256}): the workspace object is damaged`,
        )
        expect(error.subject).to.equal(record.fileId)
        expect(readdirSync(out)).to.deep.equal([])
      })
    }

    it('says an object missing from the workspace is missing, and leaves no file behind', async () => {
      const record = await stored('/drop/run.csv', 'x\n')
      rmSync(path.join(root, 'home', 'objects', record.sha256.slice(0, 2), record.sha256), {force: true})
      const error = await failure(restore(record))
      expect(error).to.include({code: 'NOT_FOUND', subject: record.sha256})
      expect(readdirSync(out)).to.deep.equal([])
    })

    it('refuses to overwrite unless asked, and then replaces the file whole', async () => {
      const record = await stored('/drop/run.csv', 'new bytes\n')
      mkdirSync(out)
      writeFileSync(path.join(out, 'run.csv'), 'someone else’s file')
      const error = await failure(restore(record))
      expect(error).to.include({
        code: 'CONFLICT',
        message: `${path.join(out, 'run.csv')} already exists`,
        subject: path.join(out, 'run.csv'),
      })
      expect(error.suggestions).to.deep.equal(['pass --force to replace it, or choose another name'])
      expect(readFileSync(path.join(out, 'run.csv'), 'utf8')).to.equal('someone else’s file')
      await restore(record, {force: true})
      expect(readFileSync(path.join(out, 'run.csv'), 'utf8')).to.equal('new bytes\n')
      expect(readdirSync(out)).to.deep.equal(['run.csv'])
    })

    it("names an engineered document after its raw file and its converter, so it never takes the raw file's name", async () => {
      const raw = await stored('/drop/run.csv', 'well,value\nA1,1\n')
      const engineered = (version: number, metadata: Record<string, string>) =>
        stored('/drop/run.csv', '{"rows": 1}', {category: 'ENGINEERED', traceId: raw.traceId, rawFileId: raw.fileId, version, metadata})
      expect(path.basename((await restore(raw)).path)).to.equal('run.csv')
      expect(path.basename((await restore(await engineered(1, {converter: 'plate-reader'}))).path)).to.equal('run.csv.plate-reader.json')
      expect(path.basename((await restore(await engineered(2, {}))).path)).to.equal('run.csv.engineered.json')
      expect(readdirSync(out).sort()).to.deep.equal(['run.csv', 'run.csv.engineered.json', 'run.csv.plate-reader.json'])
      expect(readFileSync(path.join(out, 'run.csv.plate-reader.json'), 'utf8')).to.equal('{"rows": 1}')
    })

    it('refuses intact bytes whose record gives another size: record and object disagree', async () => {
      const text = 'well,value\nA1,0.5\n'
      const object = await backend.objects.putBytes(Buffer.from(text))
      const record = await stored('/drop/run.csv', text, {size: object.size + 1})
      const error = await failure(restore(record))
      expect(error).to.include({code: 'INVALID_DATA', subject: record.fileId})
      expect(error.message).to.equal(
        `stored bytes of ${record.fileId} do not match its record (${object.size} bytes, expected ${object.size + 1}): the workspace object is damaged`,
      )
      expect(readdirSync(out)).to.deep.equal([])
    })

    it('keeps every name inside the output folder', async () => {
      const record = await stored('/drop/run.csv', 'x\n')
      const names: Array<[string, string]> = [
        ['../escape.csv', '.._escape.csv'],
        ['a\\b.csv', 'a_b.csv'],
        ['..', '_'],
        ['.', '_'],
        ['', 'file'],
        ['.hidden', '.hidden'],
        ['run.csv.', 'run.csv.'],
      ]
      for (const [name, expected] of names) {
        const restored = await restore(record, {name, force: true})
        expect(restored.path, name).to.equal(path.join(out, expected))
      }
      expect(readdirSync(out).sort()).to.deep.equal(['.._escape.csv', '.hidden', '_', 'a_b.csv', 'file', 'run.csv.'])
      expect(readdirSync(root).sort()).to.deep.equal(['home', 'out'])
    })
  })

  describe('downloadHits', () => {
    const download = (query: string, folder = out) =>
      downloadHits(backend, backend.search!, parseQuery(query), {}, folder, new SafeOutput([]))
    const engineered = (raw: FileRecord, metadata: Record<string, string>): Promise<FileRecord> =>
      stored(`${raw.sourcePath}.json`, `{"of": "${raw.fileId}"}`, {
        category: 'ENGINEERED' as Category,
        traceId: raw.traceId,
        rawFileId: raw.fileId,
        metadata,
      })

    it('restores the raw file of every hit once, an engineered hit bringing its raw file, and names clashes apart', async () => {
      const a = await stored('/drop/one/run.csv', 'a\n', {metadata: {project: 'alpha'}})
      const b = await stored('/drop/two/run.csv', 'b\n', {metadata: {project: 'alpha'}})
      const c = await stored('/drop/other.csv', 'c\n', {metadata: {project: 'beta'}})
      const d = await stored('/drop/zeta.csv', 'd\n')
      await engineered(a, {project: 'alpha'})
      await engineered(c, {})
      await engineered(d, {project: 'alpha'})
      const progress: number[] = []
      const result = await downloadHits(
        backend,
        backend.search!,
        parseQuery('project:alpha OR name:other'),
        {},
        out,
        new SafeOutput([]),
        (done) => progress.push(done),
      )
      expect(result.folder).to.equal(out)
      expect(result.failed).to.deep.equal([])
      // Hits by path: one/run.csv, one/run.csv.json (its raw file is done), other.csv, other.csv.json (done),
      // two/run.csv (a second run.csv), zeta.csv.json (brings zeta.csv, not itself a hit).
      const second = `${b.fileId.slice(0, 8)}-run.csv`
      expect(result.files.map((f) => [f.fileId, path.basename(f.path), f.verified])).to.deep.equal([
        [a.fileId, 'run.csv', true],
        [c.fileId, 'other.csv', true],
        [b.fileId, second, true],
        [d.fileId, 'zeta.csv', true],
      ])
      expect(readdirSync(out).sort()).to.deep.equal([second, 'other.csv', 'run.csv', 'zeta.csv'].sort())
      expect(readFileSync(path.join(out, 'run.csv'), 'utf8')).to.equal('a\n')
      expect(readFileSync(path.join(out, second), 'utf8')).to.equal('b\n')
      expect(readFileSync(path.join(out, 'zeta.csv'), 'utf8')).to.equal('d\n')
      expect(progress).to.deep.equal([1, 2, 3, 4])
    })

    it('counts a file already there with the same bytes as done, and reports a different one without overwriting it', async () => {
      const a = await stored('/drop/a.csv', 'a\n', {metadata: {project: 'alpha'}})
      const b = await stored('/drop/b.csv', 'b\n', {metadata: {project: 'alpha'}})
      mkdirSync(out)
      writeFileSync(path.join(out, 'a.csv'), 'a\n')
      writeFileSync(path.join(out, 'b.csv'), 'not b\n')
      const result = await download('project:alpha')
      expect(result.files).to.deep.equal([{fileId: a.fileId, path: path.join(out, 'a.csv'), sha256: a.sha256, size: 2, verified: true}])
      expect(result.failed).to.deep.equal([
        {fileId: b.fileId, sourcePath: '/drop/b.csv', code: 'CONFLICT', message: `${path.join(out, 'b.csv')} already exists`},
      ])
      expect(readFileSync(path.join(out, 'b.csv'), 'utf8')).to.equal('not b\n')
    })

    it('reports an object damaged at the same size as failed, restores nothing of it, and goes on with the rest', async () => {
      const text = 'well,value\nA1,0.5\n'
      const bad = await stored('/drop/a.csv', text, {metadata: {project: 'alpha'}})
      const good = await stored('/drop/b.csv', 'fine\n', {metadata: {project: 'alpha'}})
      damage(bad, flipped(text, 5))
      const progress: number[] = []
      const result = await downloadHits(backend, backend.search!, parseQuery('project:alpha'), {}, out, new SafeOutput([]), (done) =>
        progress.push(done),
      )
      expect(progress, 'failed files count as done too').to.deep.equal([1, 2])
      expect(result.failed).to.have.length(1)
      expect(result.failed[0]).to.include({fileId: bad.fileId, sourcePath: '/drop/a.csv', code: 'INVALID_DATA'})
      expect(result.files.map((f) => f.fileId)).to.deep.equal([good.fileId])
      expect(readdirSync(out)).to.deep.equal(['b.csv'])
      // Re-run: the damaged file is refused again, never taken for done.
      const again = await download('project:alpha')
      expect(again.failed.map((f) => f.code)).to.deep.equal(['INVALID_DATA'])
      expect(readdirSync(out)).to.deep.equal(['b.csv'])
    })

    it('goes through hits in path order whatever their times, so the first path keeps a clashing name', async () => {
      // The newer file has the later path: by time it would come first and take the plain name.
      const older = await stored('/drop/one/run.csv', 'a\n', {metadata: {project: 'alpha'}, modifiedAt: '2026-01-01T00:00:00.000Z'})
      const newer = await stored('/drop/two/run.csv', 'b\n', {metadata: {project: 'alpha'}, modifiedAt: '2026-03-01T00:00:00.000Z'})
      const result = await download('project:alpha')
      expect(result.files.map((f) => [f.fileId, path.basename(f.path)])).to.deep.equal([
        [older.fileId, 'run.csv'],
        [newer.fileId, `${newer.fileId.slice(0, 8)}-run.csv`],
      ])
    })

    it('restores an engineered hit whose raw file is not recorded as itself, under its own name', async () => {
      const orphan = await stored('/drop/run.csv.json', '{"rows": 1}', {category: 'ENGINEERED', metadata: {project: 'alpha'}})
      const result = await download('project:alpha')
      expect(result.failed).to.deep.equal([])
      expect(result.files).to.deep.equal([
        {fileId: orphan.fileId, path: path.join(out, 'run.csv.json'), sha256: sha256('{"rows": 1}'), size: 11, verified: true},
      ])
    })

    it('pages through more hits than one page holds', async () => {
      const records: FileRecord[] = []
      for (let i = 0; i < 501; i++)
        records.push(await stored(`/drop/f${String(i).padStart(3, '0')}.csv`, `${i}\n`, {metadata: {project: 'many'}}))
      const result = await download('project:many')
      expect(result.failed).to.deep.equal([])
      expect(result.files).to.have.length(501)
      expect(readdirSync(out)).to.have.length(501)
      expect(readFileSync(path.join(out, 'f500.csv'), 'utf8')).to.equal('500\n')
    })
  })
})
