import {createHash} from 'node:crypto'
import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend} from '../../src/backends/types.js'
import {ConverterRegistry} from '../../src/converters/registry.js'
import {countFiles} from '../../src/ingest/count.js'
import {type IngestOptions, ingestFiles, type IngestResult, ingestUpload} from '../../src/ingest/ingest.js'
import {parseKeyValues, toRecord} from '../../src/ingest/key-value.js'
import {parsePathTemplate} from '../../src/ingest/path-template.js'
import type {LabmeshError} from '../../src/errors.js'
import {INSTRUMENTS} from '../support/testdata.js'

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex')
const NANODROP = path.join(INSTRUMENTS, 'thermo_fisher_nanodrop_eight', 'thermo_nanodrop_eight_RNA.txt')

/** ingestFiles in process, on real files and a real local backend (files + SQLite). */
describe('ingestFiles', function () {
  this.timeout(120_000)
  let root: string
  let drop: string
  let backend: Backend
  let registry: ConverterRegistry
  before(async () => {
    registry = await ConverterRegistry.load()
  })
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-ingest-'))
    drop = path.join(root, 'drop')
    mkdirSync(drop)
    backend = createLocalBackend({home: path.join(root, 'home')})
  })
  afterEach(async () => {
    await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  const ingest = (options: Partial<IngestOptions> = {}): Promise<IngestResult> =>
    ingestFiles(backend, {paths: [drop], registry, ...options})
  const statuses = (result: IngestResult): string[][] =>
    result.files.map((f) => [path.relative(drop, f.sourcePath), f.status, String(f.version)])

  it('trusts size and time unless --checksum: a same-size edit with its time restored is found only by reading it', async () => {
    const file = path.join(drop, 'run.csv')
    writeFileSync(file, 'well,value\nA1,0.125\n')
    const first = await ingest()
    expect(statuses(first)).to.deep.equal([['run.csv', 'new', '1']])
    const {mtime} = statSync(file)
    writeFileSync(file, 'well,value\nA1,0.126\n')
    utimesSync(file, mtime, mtime)

    const trusted = await ingest()
    expect(trusted).to.deep.include({ingested: 0, unchanged: 1, bytesStored: 0, failed: []})
    expect(trusted.files[0].sha256).to.equal(sha256('well,value\nA1,0.125\n'))

    const checked = await ingest({checksum: true})
    expect(checked).to.deep.include({ingested: 1, unchanged: 0, bytesStored: 20})
    expect(statuses(checked)).to.deep.equal([['run.csv', 'version', '2']])
    expect(checked.files[0].sha256).to.equal(sha256('well,value\nA1,0.126\n'))
    // Read again with --checksum and unchanged now: nothing new.
    expect(await ingest({checksum: true})).to.deep.include({ingested: 0, unchanged: 1, failed: []})
    const versions = await backend.metadata.listFiles({sourcePath: file, allVersions: true})
    expect(versions.map((v) => [v.version, v.sha256])).to.deep.equal([
      [1, sha256('well,value\nA1,0.125\n')],
      [2, sha256('well,value\nA1,0.126\n')],
    ])
  })

  it('a same-size edit with a new time is read and stored as a new version', async () => {
    const file = path.join(drop, 'run.csv')
    writeFileSync(file, 'well,value\nA1,1\n')
    utimesSync(file, new Date('2024-01-01'), new Date('2024-01-01'))
    await ingest()
    writeFileSync(file, 'well,value\nA1,2\n')
    utimesSync(file, new Date('2024-01-02'), new Date('2024-01-02'))
    const edited = await ingest()
    expect(statuses(edited)).to.deep.equal([['run.csv', 'version', '2']])
    expect(edited.files[0].sha256).to.equal(sha256('well,value\nA1,2\n'))
  })

  it('a touched file with the same bytes stays unchanged, and so does one whose time alone moved', async () => {
    const file = path.join(drop, 'run.csv')
    writeFileSync(file, 'well,value\nA1,1\n')
    await ingest()
    utimesSync(file, new Date('2030-01-01'), new Date('2030-01-01'))
    const touched = await ingest()
    expect(touched).to.deep.include({ingested: 0, unchanged: 1, bytesStored: 0, failed: []})
    expect(touched.files[0]).to.include({status: 'unchanged', version: 1})
    expect(await backend.metadata.listFiles({allVersions: true})).to.have.length(1)
  })

  it('a changed size is a new version even with an unchanged time, keeping the old labels and adding new ones', async () => {
    const file = path.join(drop, 'run.csv')
    writeFileSync(file, 'well,value\nA1,1\n')
    const first = await ingest({labels: [{name: 'batch', value: '1'}]})
    await backend.metadata.updateLabels(first.files[0].fileId!, [{name: 'reviewed', value: 'yes'}], [])
    const {mtime} = statSync(file)
    writeFileSync(file, 'well,value\nA1,10\n')
    utimesSync(file, mtime, mtime)
    const second = await ingest({
      labels: [
        {name: 'batch', value: '1'},
        {name: 'batch', value: '2'},
      ],
    })
    expect(statuses(second)).to.deep.equal([['run.csv', 'version', '2']])
    expect(second.files[0].labels).to.deep.equal([
      {name: 'batch', value: '1'},
      {name: 'reviewed', value: 'yes'},
      {name: 'batch', value: '2'},
    ])
    const [latest] = await backend.metadata.listFiles({sourcePath: file})
    expect(latest).to.deep.include({version: 2, fileId: second.files[0].fileId, category: 'RAW', status: 'ingested', rawFileId: null})
    expect(latest.traceId).to.not.equal((await backend.metadata.getFile(first.files[0].fileId!))!.traceId)
  })

  it('records metadata in order of precedence: time, then the sniffed instrument, then the template, then --metadata', async () => {
    mkdirSync(path.join(drop, 'alpha'))
    const file = path.join(drop, 'alpha', 'S-7_2024-03-05.txt')
    cpSync(NANODROP, file)
    const when = new Date('2024-03-05T10:11:12.000Z')
    utimesSync(file, when, when)
    const result = await ingest({
      template: parsePathTemplate('{project}/{sample}_{date:YYYY-MM-DD}.txt'),
      metadata: {project: 'beta', operator: 'ada'},
    })
    expect(result.warnings).to.deep.equal([])
    expect(result.files[0].metadata).to.deep.equal({
      time: '2024-03-05T10:11:12.000Z',
      instrument: 'thermo-fisher-nanodrop-eight',
      technique: 'spectrophotometry',
      project: 'beta',
      sample: 'S-7',
      date: '2024-03-05',
      operator: 'ada',
    })
    const [stored] = await backend.metadata.listFiles({})
    expect(stored).to.deep.include({sha256: sha256(readFileSync(NANODROP)), size: statSync(NANODROP).size, sourcePath: file})
    expect(stored.modifiedAt).to.equal('2024-03-05T10:11:12.000Z')
  })

  it('stores a file the template does not match without its fields, with a warning naming it', async () => {
    writeFileSync(path.join(drop, 'stray.csv'), 'x\n1\n')
    const result = await ingest({template: parsePathTemplate('{project}/{sample}.csv')})
    expect(result.ingested).to.equal(1)
    expect(result.warnings).to.deep.equal([
      {
        path: path.join(drop, 'stray.csv'),
        code: 'TEMPLATE_MISMATCH',
        message: '"stray.csv" does not match the path template {project}/{sample}.csv; stored without its fields',
      },
    ])
    expect(Object.keys(result.files[0].metadata)).to.deep.equal(['time'])
  })

  it('stores identical bytes once, counts the bytes it stored, and reports each failure while storing the rest', async () => {
    writeFileSync(path.join(drop, 'a.csv'), 'same bytes\n')
    writeFileSync(path.join(drop, 'b.csv'), 'same bytes\n')
    writeFileSync(path.join(drop, 'c.csv'), 'other\n')
    writeFileSync(path.join(drop, 'empty.csv'), '')
    const result = await ingest({concurrency: 1})
    expect(result).to.deep.include({dryRun: false, ingested: 3, unchanged: 0, bytesStored: 11 + 11 + 6})
    expect(result.failed).to.deep.equal([
      {path: path.join(drop, 'empty.csv'), code: 'EMPTY_FILE', message: 'the file is empty (0 bytes): nothing to store'},
    ])
    expect(statuses(result)).to.deep.equal([
      ['a.csv', 'new', '1'],
      ['b.csv', 'new', '1'],
      ['c.csv', 'new', '1'],
    ])
    expect(await backend.objects.has(sha256('same bytes\n'))).to.equal(true)
    const objects = new Set((await backend.metadata.listFiles({})).map((f) => f.sha256))
    expect(objects.size).to.equal(2)
  })

  it('a dry run reports what it would store, with hashes, and stores nothing', async () => {
    writeFileSync(path.join(drop, 'a.csv'), 'x\n1\n')
    const big = path.join(drop, 'big.bin')
    // Above the in-memory threshold: hashed as a stream.
    const bytes = Buffer.alloc(5 * 1024 * 1024, 7)
    writeFileSync(big, bytes)
    const result = await ingest({dryRun: true})
    expect(result).to.deep.include({dryRun: true, ingested: 2, bytesStored: 4 + bytes.length, failed: []})
    expect(result.files.map((f) => [path.basename(f.sourcePath), f.fileId, f.status, f.sha256, f.size])).to.deep.equal([
      ['a.csv', null, 'new', sha256('x\n1\n'), 4],
      ['big.bin', null, 'new', sha256(bytes), bytes.length],
    ])
    expect(await backend.metadata.listFiles({})).to.deep.equal([])
    expect(await backend.objects.has(sha256('x\n1\n'))).to.equal(false)
    expect(await backend.objects.has(sha256(bytes))).to.equal(false)
  })

  it('stores a large file by streaming, and the same bytes read back', async () => {
    const big = path.join(drop, 'big.bin')
    const bytes = Buffer.alloc(5 * 1024 * 1024 + 3, 9)
    writeFileSync(big, bytes)
    writeFileSync(path.join(drop, 'small.csv'), 'a,b\n')
    // Progress: the large file's bytes as they stream, then nothing more when it is done; the small
    // file's all at once. Every byte is told exactly once.
    const streamed: number[] = []
    const done: Array<[string, number]> = []
    const result = await ingest({
      onBytes: (n) => streamed.push(n),
      onFile: (outcome, n) => done.push([outcome.kind === 'file' ? path.basename(outcome.file.sourcePath) : '?', n]),
    })
    expect(result.files[0]).to.include({sha256: sha256(bytes), size: bytes.length, status: 'new'})
    expect(streamed.reduce((a, b) => a + b, 0)).to.equal(bytes.length)
    expect(streamed.length).to.be.greaterThan(1)
    expect(done.sort()).to.deep.equal([
      ['big.bin', 0],
      ['small.csv', 4],
    ])
    const chunks: Buffer[] = []
    for await (const chunk of await backend.objects.openRead(sha256(bytes))) chunks.push(chunk as Buffer)
    expect(sha256(Buffer.concat(chunks))).to.equal(sha256(bytes))
    // Streamed with nobody listening for progress.
    writeFileSync(big, Buffer.alloc(bytes.length, 8))
    expect(await ingest()).to.deep.include({ingested: 1, failed: []})
  })

  it('an upload (small, read in memory, and large, streamed) is stored where its record points, and reads back whole', async () => {
    for (const [name, bytes] of [
      ['small.txt', readFileSync(NANODROP)],
      ['large.bin', Buffer.alloc(5 * 1024 * 1024 + 3, 7)],
    ] as const) {
      const spooled = path.join(root, `spooled-${name}`)
      writeFileSync(spooled, bytes)
      const stored = await ingestUpload(backend, {spooled, sourcePath: `uploads/${name}`, sourceHost: 'api:key-1', registry})
      expect(stored, name).to.include({sha256: sha256(bytes), size: bytes.length, status: 'new'})
      const record = (await backend.metadata.getFile(stored.fileId!))!
      expect(record.sourcePath, name).to.equal(`uploads/${name}`)
      const chunks: Buffer[] = []
      for await (const chunk of await backend.objects.openRead(record.sha256, record.category)) chunks.push(chunk as Buffer)
      expect(Buffer.concat(chunks).equals(bytes), name).to.equal(true)
      // The same bytes sent again: the stored version, unchanged.
      const again = await ingestUpload(backend, {spooled, sourcePath: `uploads/${name}`, sourceHost: 'api:key-1', registry})
      expect(again, name).to.include({fileId: stored.fileId, status: 'unchanged', version: 1})
    }
    const empty = path.join(root, 'spooled-empty')
    writeFileSync(empty, '')
    const refused = await ingestUpload(backend, {spooled: empty, sourcePath: 'uploads/empty.txt', sourceHost: 'api:key-1', registry}).catch(
      (e: unknown) => e as LabmeshError,
    )
    expect(refused).to.include({code: 'EMPTY_FILE', subject: 'uploads/empty.txt'})
  })

  it('reports what the walk cannot take as failures, each with its reason, and stores the rest', async () => {
    writeFileSync(path.join(drop, 'good.csv'), 'a\n')
    symlinkSync(path.join(drop, 'nowhere.csv'), path.join(drop, 'broken.csv'))
    const heard: string[] = []
    const result = await ingest({onFile: (outcome) => heard.push(outcome.kind)})
    expect(result.failed).to.deep.equal([
      {path: path.join(drop, 'broken.csv'), code: 'NOT_FOUND', message: 'broken symbolic link: its target does not exist'},
    ])
    expect(statuses(result)).to.deep.equal([['good.csv', 'new', '1']])
    expect(heard.sort()).to.deep.equal(['failed', 'file'])
  })

  it('without collectFiles, keeps counts but no file list; onFile hears of every file', async () => {
    writeFileSync(path.join(drop, 'a.csv'), 'a\n')
    writeFileSync(path.join(drop, 'b.csv'), 'bb\n')
    writeFileSync(path.join(drop, 'empty.csv'), '')
    const heard: [string, number][] = []
    const result = await ingest({
      collectFiles: false,
      onFile: (outcome, bytes) =>
        heard.push([outcome.kind === 'file' ? path.basename(outcome.file.sourcePath) : path.basename(outcome.problem.path), bytes]),
    })
    expect(result).to.deep.include({ingested: 2, files: [], bytesStored: 5})
    expect(heard.sort()).to.deep.equal([
      ['a.csv', 2],
      ['b.csv', 3],
      ['empty.csv', 0],
    ])
  })

  it('include and exclude pick files by relative path, and the count before a run agrees', async () => {
    for (const file of ['a/one.csv', 'a/two.txt', 'b/three.csv', 'b/skip/four.csv', '.hidden.csv']) {
      mkdirSync(path.dirname(path.join(drop, file)), {recursive: true})
      writeFileSync(path.join(drop, file), file)
    }
    const options = {include: ['**/*.csv'], exclude: ['**/skip/**']}
    const result = await ingest(options)
    expect(result.files.map((f) => path.relative(drop, f.sourcePath))).to.deep.equal(['.hidden.csv', 'a/one.csv', 'b/three.csv'])
    expect(await countFiles([drop], options)).to.deep.equal({
      files: 3,
      bytes: '.hidden.csv'.length + 'a/one.csv'.length + 'b/three.csv'.length,
    })
  })

  it('stores a large run in batches of 256 records, each stored before its files are reported', async () => {
    const names = Array.from({length: 300}, (_, i) => `f${String(i).padStart(3, '0')}.csv`)
    for (const name of names) writeFileSync(path.join(drop, name), `well,value\nA1,${name}\n`)
    for (const [i, concurrency] of [1, undefined].entries()) {
      const home = path.join(root, `home-${i}`)
      const runner = createLocalBackend({home})
      // A second open of the workspace, as another process would look while the run goes on. Its
      // listing runs when onFile calls it (better-sqlite3 answers synchronously).
      const observer = createLocalBackend({home})
      try {
        const seen: Promise<number>[] = []
        const result = await ingestFiles(runner, {
          paths: [drop],
          registry,
          concurrency,
          collectFiles: false,
          onFile: () => seen.push(observer.metadata.listFiles({}).then((files) => files.length)),
        })
        expect(result, String(concurrency)).to.deep.include({ingested: 300, unchanged: 0, failed: []})
        // The first 256 files are reported once their batch is stored, before any later file is
        // stored; then the last 44 with theirs.
        expect(await Promise.all(seen), String(concurrency)).to.deep.equal([
          ...Array.from({length: 256}, () => 256),
          ...Array.from({length: 44}, () => 300),
        ])
        const stored = await runner.metadata.listFiles({})
        expect(stored.map((f) => path.basename(f.sourcePath)).sort(), String(concurrency)).to.deep.equal(names)
      } finally {
        await observer.close()
        await runner.close()
      }
    }
  })

  it('lists files and failures in the order people read paths, not the order they were handled in', async () => {
    // The walk goes in byte order (upper case first) and, one at a time, handles files in that
    // order; failures are reported at once, stored files when their batch is stored.
    for (const name of ['b.csv', 'B2.csv', 'a.csv', 'A1.csv']) writeFileSync(path.join(drop, name), name)
    for (const name of ['d-empty.csv', 'E-empty.csv']) writeFileSync(path.join(drop, name), '')
    const result = await ingest({concurrency: 1})
    expect(result.files.map((f) => path.basename(f.sourcePath))).to.deep.equal(['a.csv', 'A1.csv', 'b.csv', 'B2.csv'])
    expect(result.failed.map((f) => [path.basename(f.path), f.code])).to.deep.equal([
      ['d-empty.csv', 'EMPTY_FILE'],
      ['E-empty.csv', 'EMPTY_FILE'],
    ])
  })

  it('two ingests of one folder at once store each file once, and neither reports the other as a conflict', async () => {
    // A second open of the workspace: its own SQLite connection, as a second process has.
    const other = createLocalBackend({home: path.join(root, 'home')})
    try {
      const folder = path.join(INSTRUMENTS, 'roche_cedex_bioht')
      const runs = await Promise.all([backend, other].map((b) => ingestFiles(b, {paths: [folder], exclude: ['*.json'], registry})))
      for (const run of runs) expect(run.failed).to.deep.equal([])
      const stored = await backend.metadata.listFiles({allVersions: true})
      expect(runs[0].ingested + runs[1].ingested).to.equal(stored.length)
      expect(runs[0].files.map((f) => f.fileId).sort()).to.deep.equal(stored.map((f) => f.fileId).sort())
      expect(runs[1].files.map((f) => f.fileId).sort()).to.deep.equal(stored.map((f) => f.fileId).sort())
      expect(stored.every((f) => f.version === 1)).to.equal(true)
    } finally {
      await other.close()
    }
  })

  it('walks nothing without paths, and takes a list of found files as given, reporting one it cannot read by its source path', async () => {
    expect(await ingestFiles(backend, {registry})).to.deep.equal({
      dryRun: false,
      ingested: 0,
      unchanged: 0,
      failed: [],
      warnings: [],
      files: [],
      bytesStored: 0,
    })
    const kept = path.join(drop, 'kept.csv')
    writeFileSync(kept, 'a,b\n')
    const gone = path.join(drop, 'gone.csv')
    const {mtime} = statSync(kept)
    const result = await ingest({
      paths: undefined,
      // Found earlier (the watcher's stable files); one was removed since, one had its bytes spooled.
      files: [
        {kind: 'file', path: kept, relativePath: 'kept.csv', size: 4, mtime},
        {kind: 'file', path: gone, relativePath: 'gone.csv', size: 3, mtime, sourcePath: 'uploads/gone.csv'},
      ],
      concurrency: 0,
    })
    expect(statuses(result)).to.deep.equal([['kept.csv', 'new', '1']])
    expect(result.failed).to.deep.equal([
      {path: 'uploads/gone.csv', code: 'NOT_FOUND', message: `ENOENT: no such file or directory, open '${gone}'`},
    ])
  })

  it('a dry run over a changed file reports the version it would store', async () => {
    const file = path.join(drop, 'run.csv')
    writeFileSync(file, 'well,value\nA1,1\n')
    await ingest()
    writeFileSync(file, 'well,value\nA1,22\n')
    const dry = await ingest({dryRun: true})
    expect(dry.files.map((f) => [f.fileId, f.status, f.version, f.sha256])).to.deep.equal([
      [null, 'version', 2, sha256('well,value\nA1,22\n')],
    ])
    expect((await backend.metadata.listFiles({allVersions: true})).map((f) => f.version)).to.deep.equal([1])
  })

  it('warns when given metadata differs from the detected instrument or technique, naming each pair, and not when it agrees', async () => {
    for (const folder of ['agrees', 'differs']) {
      mkdirSync(path.join(drop, folder))
      cpSync(NANODROP, path.join(drop, folder, 'rna.txt'))
    }
    const agrees = await ingest({paths: [path.join(drop, 'agrees')], metadata: {technique: 'spectrophotometry'}})
    expect(agrees.warnings).to.deep.equal([])
    const differs = await ingest({paths: [path.join(drop, 'differs')], metadata: {instrument: 'nanodrop', technique: 'uv-vis'}})
    expect(differs.warnings).to.deep.equal([
      {
        path: path.join(drop, 'differs', 'rna.txt'),
        code: 'METADATA_SHADOWED',
        message:
          'metadata instrument=nanodrop (detected: thermo-fisher-nanodrop-eight), technique=uv-vis (detected: spectrophotometry) kept as given; lab.files keeps the detected instrument and technique once converted',
      },
    ])
    expect(differs.files[0].metadata).to.include({instrument: 'nanodrop', technique: 'uv-vis'})
  })

  it('reads a file of exactly 4 MiB in one piece, and streams one a byte larger', async () => {
    const limit = 4 * 1024 * 1024
    for (const [name, size, streamedBytes] of [
      ['edge.bin', limit, 0],
      ['over.bin', limit + 1, limit + 1],
    ] as const) {
      const folder = path.join(drop, name.replace('.bin', ''))
      mkdirSync(folder)
      writeFileSync(path.join(folder, name), Buffer.alloc(size, 3))
      const streamed: number[] = []
      const done: number[] = []
      await ingest({paths: [folder], onBytes: (n) => streamed.push(n), onFile: (_, n) => done.push(n)})
      expect(
        streamed.reduce((a, b) => a + b, 0),
        name,
      ).to.equal(streamedBytes)
      expect(done, name).to.deep.equal([size - streamedBytes])
    }
  })

  it('an upload is always read: new bytes of the same size under the same time are a new version', async () => {
    const spooled = path.join(root, 'spooled')
    writeFileSync(spooled, 'well,value\nA1,1\n')
    const upload = () => ingestUpload(backend, {spooled, sourcePath: 'uploads/run.csv', sourceHost: 'api:key-1', registry})
    expect(await upload()).to.include({version: 1, status: 'new'})
    const {mtime} = statSync(spooled)
    writeFileSync(spooled, 'well,value\nA1,2\n')
    utimesSync(spooled, mtime, mtime)
    expect(await upload()).to.include({version: 2, status: 'version', sha256: sha256('well,value\nA1,2\n')})
  })

  it('another writer storing other bytes at the path first: the file is reported failed with the conflict, an upload refused', async () => {
    // A second open of the workspace (as another process) stores its version just before ours is
    // written, and the real insert refuses ours. Only the moment is chosen, by wrapping insertFiles.
    const other = createLocalBackend({home: path.join(root, 'home')})
    const racing = (first: () => Promise<unknown>): Backend => {
      let ran = false
      const metadata: Backend['metadata'] = {
        ...backend.metadata,
        async insertFiles(records, options) {
          if (!ran) {
            ran = true
            await first()
          }
          return backend.metadata.insertFiles(records, options)
        },
      }
      return {...backend, metadata}
    }
    try {
      const file = path.join(drop, 'run.csv')
      writeFileSync(file, 'ours\n')
      const theirs = path.join(root, 'theirs')
      writeFileSync(theirs, 'theirs\n')
      const theirFile = {kind: 'file', path: theirs, relativePath: 'run.csv', size: 7, mtime: new Date(), sourcePath: file} as const
      const result = await ingestFiles(
        racing(() => ingestFiles(other, {files: [theirFile], registry, sourceHost: 'bench-1'})),
        {paths: [drop], registry, sourceHost: 'bench-1'},
      )
      expect(result).to.deep.include({ingested: 0, unchanged: 0, files: []})
      expect(result.failed).to.deep.equal([
        {path: file, code: 'CONFLICT', message: `${file} version 1 was stored by another run at the same time`},
      ])
      const upload = {spooled: file, sourcePath: 'uploads/run.csv', sourceHost: 'api:key-1', registry}
      const refused = await ingestUpload(
        racing(() => ingestUpload(other, {...upload, spooled: theirs})),
        upload,
      ).catch((e: unknown) => e as LabmeshError)
      expect(refused).to.include({code: 'CONFLICT', message: 'uploads/run.csv version 1 was stored by another run at the same time'})
      const stored = await backend.metadata.listFiles({allVersions: true})
      expect(stored.map((f) => [f.sourcePath, f.version, f.sha256])).to.have.deep.members([
        [file, 1, sha256('theirs\n')],
        ['uploads/run.csv', 1, sha256('theirs\n')],
      ])
    } finally {
      await other.close()
    }
  })
})

describe('parseKeyValues', () => {
  it('splits name=value at the first "=", trimming both, and refuses anything else', () => {
    expect(parseKeyValues([' site = boston ', 'formula=a=b', 'empty='], 'label')).to.deep.equal([
      {name: 'site', value: 'boston'},
      {name: 'formula', value: 'a=b'},
      {name: 'empty', value: ''},
    ])
    expect(toRecord(parseKeyValues(['a=1', 'a=2'], 'metadata'))).to.deep.equal({a: '2'})
    expect(parseKeyValues(undefined, 'label')).to.deep.equal([])
    for (const bad of ['novalue', '=x', 'a/b=1', ' =1']) {
      expect(() => parseKeyValues([bad], 'label'), bad)
        .to.throw(`label "${bad}" is not name=value`)
        .with.property('code', 'USAGE')
    }
  })
})
