import {mkdir, rm, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {expect} from 'chai'

import type {LabmeshError} from '../../../src/errors.js'
import {type Action, type AddAction, type DeletionVectorDescriptor, serializeCommit} from '../../../src/lake/delta/actions.js'
import {writeCheckpoint} from '../../../src/lake/delta/checkpoint.js'
import {field} from '../../../src/lake/delta/schema.js'
import {fileKey, loadSnapshot, LogReplay, type Snapshot} from '../../../src/lake/delta/snapshot.js'
import {tempDir} from './support.js'

/**
 * Log replay on hand-written logs (real files, no data files needed: a snapshot is the log alone).
 * Every expected state is worked out from PROTOCOL.md "Action Reconciliation" by hand.
 */

const LOG = '_delta_log'
const pad = (version: number) => String(version).padStart(20, '0')

const protocol = (minReaderVersion = 1): Action => ({protocol: {minReaderVersion, minWriterVersion: 2}})
const metadata = (id: string, partitionColumns: string[] = [], configuration: Record<string, string> = {}): Action => ({
  metaData: {
    id,
    format: {provider: 'parquet', options: {}},
    schemaString: JSON.stringify({type: 'struct', fields: [field('v', 'integer'), field('plate', 'string')]}),
    partitionColumns,
    configuration,
  },
})
const dv = (pathOrInlineDv: string, offset?: number): DeletionVectorDescriptor => ({
  storageType: 'u',
  pathOrInlineDv,
  ...(offset === undefined ? {} : {offset}),
  sizeInBytes: 10,
  cardinality: 1,
})
const add = (file: string, deletionVector?: DeletionVectorDescriptor): Action => ({
  add: {path: file, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, ...(deletionVector ? {deletionVector} : {})},
})
const remove = (file: string, deletionVector?: DeletionVectorDescriptor): Action => ({
  remove: {path: file, deletionTimestamp: 1, dataChange: true, ...(deletionVector ? {deletionVector} : {})},
})
const txn = (appId: string, version: number): Action => ({txn: {appId, version}})
const info = (timestamp: number): Action => ({commitInfo: {timestamp, operation: 'WRITE'}})

const paths = (files: AddAction[] | Array<{path: string}>) => files.map((f) => f.path).sort()

describe('Delta snapshots from hand-written logs', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => {
    temp = await tempDir()
  })
  afterEach(async () => {
    await temp.remove()
  })

  /** Writes the commits at the versions given (gaps allowed). */
  async function log(commits: Record<number, Action[]>): Promise<void> {
    await mkdir(path.join(temp.dir, LOG), {recursive: true})
    for (const [version, actions] of Object.entries(commits))
      await writeFile(path.join(temp.dir, LOG, `${pad(Number(version))}.json`), serializeCommit(actions))
  }

  const failure = async (options: Parameters<typeof loadSnapshot>[1]): Promise<LabmeshError> =>
    (await loadSnapshot(temp.storage, options).then(
      () => expect.fail('loaded'),
      (error: unknown) => error,
    )) as LabmeshError

  it('keeps the latest protocol and metadata, the active files and the tombstones at each version', async () => {
    await log({
      0: [protocol(1), metadata('first', [], {'delta.appendOnly': 'false'}), add('a.parquet'), add('b.parquet'), info(1000)],
      1: [remove('a.parquet'), add('c.parquet'), info(2000)],
      2: [protocol(2), metadata('second', ['plate'], {'delta.checkpointInterval': '5'}), remove('gone.parquet'), info(3000)],
      3: [add('a.parquet'), remove('c.parquet'), info(4000)],
    })
    const expected: Array<[number, string, number, string[], string[], number]> = [
      // version, metadata id, reader version, files, tombstones, timestamp
      [0, 'first', 1, ['a.parquet', 'b.parquet'], [], 1000],
      [1, 'first', 1, ['b.parquet', 'c.parquet'], ['a.parquet'], 2000],
      [2, 'second', 2, ['b.parquet', 'c.parquet'], ['a.parquet', 'gone.parquet'], 3000],
      [3, 'second', 2, ['a.parquet', 'b.parquet'], ['c.parquet', 'gone.parquet'], 4000],
    ]
    for (const [version, id, reader, files, tombstones, timestamp] of expected) {
      const snapshot = await loadSnapshot(temp.storage, {version})
      expect(snapshot.version, `v${version}`).to.equal(version)
      expect(snapshot.metadata.id, `v${version}`).to.equal(id)
      expect(snapshot.protocol.minReaderVersion, `v${version}`).to.equal(reader)
      expect(paths(snapshot.files), `v${version}`).to.deep.equal(files)
      expect(paths(snapshot.tombstones), `v${version}`).to.deep.equal(tombstones)
      expect(snapshot.timestamp, `v${version}`).to.equal(timestamp)
      expect(snapshot.location).to.equal(temp.dir)
    }
    const latest = await loadSnapshot(temp.storage)
    expect(latest.version).to.equal(3)
    expect(latest.partitionColumns).to.deep.equal(['plate'])
    expect(latest.configuration).to.deep.equal({'delta.checkpointInterval': '5'})
    expect(latest.schema.fields.map((f) => f.name)).to.deep.equal(['v', 'plate'])
  })

  it('finds the version at a time from the commit timestamps, and refuses a version and a time together', async () => {
    await log({0: [protocol(), metadata('t'), add('a.parquet'), info(1000)], 1: [add('b.parquet'), info(2000)]})
    expect((await loadSnapshot(temp.storage, {timestamp: 1999})).version).to.equal(0)
    expect((await loadSnapshot(temp.storage, {timestamp: new Date(2000)})).version).to.equal(1)
    expect(paths((await loadSnapshot(temp.storage, {timestamp: 1000})).files)).to.deep.equal(['a.parquet'])
    const both = await failure({version: 0, timestamp: 2000})
    expect(both.code).to.equal('INVALID_INPUT')
    expect(both.message).to.equal('read a table at a version or at a time, not both')
  })

  it('keeps the last transaction version of each application', async () => {
    await log({
      0: [protocol(), metadata('t'), txn('ingest', 1), txn('convert', 7)],
      1: [txn('ingest', 2)],
      2: [txn('ingest', 3), txn('watch', 1)],
    })
    const versions = (snapshot: Snapshot) => Object.fromEntries([...snapshot.transactions].map(([id, t]) => [id, t.version]))
    expect(versions(await loadSnapshot(temp.storage, {version: 1}))).to.deep.equal({ingest: 2, convert: 7})
    expect(versions(await loadSnapshot(temp.storage))).to.deep.equal({ingest: 3, convert: 7, watch: 1})
    expect((await loadSnapshot(temp.storage)).transactions.get('ingest')?.appId).to.equal('ingest')
  })

  it('keys a file by its path and deletion vector: a remove cancels only the same pair', async () => {
    await log({
      0: [protocol(3), metadata('t'), add('a.parquet'), add('b.parquet')],
      // The file a.parquet gets a deletion vector: the plain add goes, the add with the vector comes.
      1: [remove('a.parquet'), add('a.parquet', dv('one')), add('b.parquet', dv('x', 4))],
      // Removing with another vector (or offset) than the active one leaves the active one.
      2: [remove('a.parquet', dv('two')), remove('b.parquet', dv('x', 5)), remove('b.parquet')],
    })
    const state = async (version: number) => {
      const snapshot = await loadSnapshot(temp.storage, {version})
      const key = (f: {path: string; deletionVector?: DeletionVectorDescriptor | null}) =>
        f.deletionVector ? `${f.path}+${f.deletionVector.pathOrInlineDv}@${f.deletionVector.offset ?? '-'}` : f.path
      return {files: snapshot.files.map(key).sort(), tombstones: snapshot.tombstones.map(key).sort()}
    }
    expect(await state(0)).to.deep.equal({files: ['a.parquet', 'b.parquet'], tombstones: []})
    expect(await state(1)).to.deep.equal({files: ['a.parquet+one@-', 'b.parquet', 'b.parquet+x@4'], tombstones: ['a.parquet']})
    expect(await state(2)).to.deep.equal({
      files: ['a.parquet+one@-', 'b.parquet+x@4'],
      tombstones: ['a.parquet', 'a.parquet+two@-', 'b.parquet', 'b.parquet+x@5'],
    })
  })

  it('keeps a malformed escape as written: it still names one file', async () => {
    await log({0: [protocol(), metadata('t'), add('a%zz.parquet'), add('b%2.parquet')], 1: [remove('a%zz.parquet')]})
    const snapshot = await loadSnapshot(temp.storage)
    expect(paths(snapshot.files)).to.deep.equal(['b%2.parquet'])
    expect(paths(snapshot.tombstones)).to.deep.equal(['a%zz.parquet'])
    expect(fileKey('a%zz.parquet')).to.equal('a%zz.parquet')
    expect(fileKey('a%20b.parquet')).to.equal('a b.parquet')
    expect(fileKey('a%20b.parquet', 'uabc@3')).to.equal('a b.parquet\u0000uabc@3')
    expect(fileKey('a%zz.parquet', 'uabc')).to.equal('a%zz.parquet\u0000uabc')
  })

  it('refuses a folder with no commits, and versions outside the log, naming the latest', async () => {
    let error = await failure({})
    expect(error.code).to.equal('NOT_FOUND')
    expect(error.message).to.equal(`${temp.dir} is not a Delta table (no _delta_log commits)`)
    expect(error.subject).to.equal(temp.dir)
    await mkdir(path.join(temp.dir, LOG))
    await writeFile(path.join(temp.dir, LOG, '00000000000000000000.crc'), '{}')
    expect((await failure({version: 0})).message).to.equal(`${temp.dir} is not a Delta table (no _delta_log commits)`)

    await log({0: [protocol(), metadata('t')], 1: [add('a.parquet')], 2: [add('b.parquet')]})
    for (const version of [3, 10, -1]) {
      error = await failure({version})
      expect(error.code, String(version)).to.equal('NOT_FOUND')
      expect(error.message).to.equal(`version ${version} of ${temp.dir} does not exist; the latest is 2`)
      expect(error.subject).to.equal(temp.dir)
    }
    expect((await loadSnapshot(temp.storage, {version: 0})).files).to.deep.equal([])
    expect((await loadSnapshot(temp.storage, {version: 2})).files).to.have.length(2)
  })

  it('refuses to rebuild a version whose commits are missing, naming the first gap', async () => {
    await log({0: [protocol(), metadata('t')], 1: [add('a.parquet')], 3: [add('c.parquet')], 4: [add('d.parquet')]})
    for (const version of [3, 4]) {
      const error = await failure({version})
      expect(error.code).to.equal('NOT_FOUND')
      expect(error.message).to.equal(`version ${version} of ${temp.dir} cannot be rebuilt: commit 2 is missing`)
      expect(error.subject).to.equal(temp.dir)
      expect(error.suggestions).to.deep.equal(['the log before the oldest checkpoint may have been cleaned up; read a later version'])
    }
    expect(paths((await loadSnapshot(temp.storage, {version: 1})).files)).to.deep.equal(['a.parquet'])
    // The first commit missing counts too.
    await rm(path.join(temp.dir, LOG, `${pad(0)}.json`))
    expect((await failure({version: 1})).message).to.equal(`version 1 of ${temp.dir} cannot be rebuilt: commit 0 is missing`)
  })

  it('refuses a log without a protocol or metadata action, naming which', async () => {
    await log({0: [metadata('t'), add('a.parquet')], 1: [protocol()]})
    let error = await failure({version: 0})
    expect(error.code).to.equal('INVALID_DATA')
    expect(error.message).to.equal(`the log of ${temp.dir} has no protocol action up to version 0`)
    expect(error.subject).to.equal(temp.dir)
    expect((await loadSnapshot(temp.storage, {version: 1})).files).to.have.length(1)
    await log({0: [protocol(), add('a.parquet')], 1: [metadata('t')]})
    error = await failure({version: 0})
    expect(error.message).to.equal(`the log of ${temp.dir} has no metaData action up to version 0`)
    expect(() => new LogReplay().snapshot('here', 7, 0)).to.throw('the log of here has no protocol action up to version 7')
  })

  it('takes the commit file time when a commit has no commitInfo', async () => {
    await log({0: [protocol(), metadata('t')], 1: [add('a.parquet')]})
    await utimes(path.join(temp.dir, LOG, `${pad(1)}.json`), 5000, 5000)
    await utimes(path.join(temp.dir, LOG, `${pad(0)}.json`), 4000, 4000)
    expect((await loadSnapshot(temp.storage)).timestamp).to.equal(5_000_000)
    expect((await loadSnapshot(temp.storage, {version: 0})).timestamp).to.equal(4_000_000)
  })

  it('replays from the newest checkpoint at or before the version, without the commits it covers', async () => {
    await log({
      0: [protocol(), metadata('t'), add('a.parquet'), info(1000)],
      1: [add('b.parquet'), txn('ingest', 1), info(2000)],
      2: [remove('a.parquet'), info(3000)],
    })
    await writeCheckpoint(temp.storage, await loadSnapshot(temp.storage, {version: 1}), {now: 0})
    await log({3: [add('c.parquet'), info(4000)]})
    await writeCheckpoint(temp.storage, await loadSnapshot(temp.storage), {now: 0})
    await log({4: [add('d.parquet'), info(5000)]})
    // Only the checkpoints can tell versions 0-1 and 3 now.
    for (const version of [0, 1, 3]) await rm(path.join(temp.dir, LOG, `${pad(version)}.json`))

    const at = async (version?: number) => loadSnapshot(temp.storage, version === undefined ? {} : {version})
    expect(paths((await at()).files)).to.deep.equal(['b.parquet', 'c.parquet', 'd.parquet'])
    expect((await at()).timestamp).to.equal(5000)
    expect(paths((await at(2)).files)).to.deep.equal(['b.parquet'])
    expect(paths((await at(2)).tombstones)).to.deep.equal(['a.parquet'])
    expect((await at(2)).timestamp).to.equal(3000)
    expect((await at(2)).transactions.get('ingest')?.version).to.equal(1)
    // At a checkpoint's own version with its commit gone, the time is the checkpoint file's.
    await utimes(path.join(temp.dir, LOG, `${pad(1)}.checkpoint.parquet`), 7000, 7000)
    const one = await at(1)
    expect(paths(one.files)).to.deep.equal(['a.parquet', 'b.parquet'])
    expect(one.timestamp).to.equal(7_000_000)
    expect((await failure({version: 0})).message).to.equal(`version 0 of ${temp.dir} cannot be rebuilt: commit 0 is missing`)
    // _last_checkpoint points at version 3; an older version still finds the checkpoint at 1.
    expect((await at(3)).version).to.equal(3)
    // A hint whose checkpoint is gone: the whole log is listed, and the newest checkpoint left is 1,
    // so version 4 needs commit 3 again.
    await rm(path.join(temp.dir, LOG, `${pad(3)}.checkpoint.parquet`))
    expect((await failure({})).message).to.equal(`version 4 of ${temp.dir} cannot be rebuilt: commit 3 is missing`)
    expect(paths((await at(2)).files)).to.deep.equal(['b.parquet'])
  })

  it('lists the log from the checkpoint _last_checkpoint names, and the whole log when that cannot serve', async () => {
    await log({
      0: [protocol(), metadata('t'), add('a.parquet')],
      1: [add('b.parquet')],
      2: [add('c.parquet')],
      3: [add('d.parquet')],
      4: [add('e.parquet')],
    })
    await writeCheckpoint(temp.storage, await loadSnapshot(temp.storage, {version: 1}), {now: 0})
    await writeCheckpoint(temp.storage, await loadSnapshot(temp.storage, {version: 3}), {now: 0})
    // Every listing the reader asks for, by where it starts (S3 bills and pages listings by key).
    const starts: Array<string | undefined> = []
    const list = temp.storage.objects.list.bind(temp.storage.objects)
    const storage = {
      ...temp.storage,
      location: temp.storage.location,
      objects: Object.assign(Object.create(temp.storage.objects) as typeof temp.storage.objects, {
        list(prefix: string, startAfter?: string) {
          if (prefix === '_delta_log/') starts.push(startAfter?.slice('_delta_log/'.length))
          return list(prefix, startAfter)
        },
      }),
    }
    const files = async (version?: number) => {
      starts.length = 0
      return paths((await loadSnapshot(storage, version === undefined ? {} : {version})).files)
    }
    // The hint (version 3) serves the latest and version 3: only the log from it on is listed.
    expect(await files()).to.deep.equal(['a.parquet', 'b.parquet', 'c.parquet', 'd.parquet', 'e.parquet'])
    expect(starts).to.deep.equal([pad(3)])
    expect(await files(3)).to.deep.equal(['a.parquet', 'b.parquet', 'c.parquet', 'd.parquet'])
    expect(starts).to.deep.equal([pad(3)])
    // An earlier version: the whole log.
    expect(await files(2)).to.deep.equal(['a.parquet', 'b.parquet', 'c.parquet'])
    expect(starts).to.deep.equal([undefined])

    // A hint left at version 1 whose checkpoint is gone, while the one at 3 remains: from the hint
    // on there is no checkpoint at or before version 2, so version 2 is rebuilt from the whole log.
    await writeFile(path.join(temp.dir, LOG, '_last_checkpoint'), JSON.stringify({version: 1, size: 4}))
    await rm(path.join(temp.dir, LOG, `${pad(1)}.checkpoint.parquet`))
    expect(await files(2)).to.deep.equal(['a.parquet', 'b.parquet', 'c.parquet'])
    expect(starts).to.deep.equal([pad(1), undefined])
    expect(await files()).to.deep.equal(['a.parquet', 'b.parquet', 'c.parquet', 'd.parquet', 'e.parquet'])
    expect(starts).to.deep.equal([pad(1)])
  })

  it('uses a checkpoint at the version asked for when its commit is still there', async () => {
    await log({0: [protocol(), metadata('t'), add('a.parquet'), info(1000)], 1: [add('b.parquet'), info(2000)]})
    await writeCheckpoint(temp.storage, await loadSnapshot(temp.storage), {now: 0})
    // Rewriting commit 0 shows whether it is still read: with the checkpoint it must not be.
    await log({0: [protocol(), metadata('t'), add('x.parquet'), info(1000)], 2: [add('c.parquet'), info(3000)]})
    const one = await loadSnapshot(temp.storage, {version: 1})
    expect(paths(one.files)).to.deep.equal(['a.parquet', 'b.parquet'])
    expect(one.timestamp).to.equal(2000)
    expect(paths((await loadSnapshot(temp.storage)).files)).to.deep.equal(['a.parquet', 'b.parquet', 'c.parquet'])
    expect(paths((await loadSnapshot(temp.storage, {version: 0})).files)).to.deep.equal(['x.parquet'])
  })

  it('gives the same files under new metadata', async () => {
    await log({0: [protocol(), metadata('t'), add('a.parquet'), txn('app', 4)]})
    const snapshot = await loadSnapshot(temp.storage)
    const next = metadata('t', ['plate'], {k: 'v'}).metaData
    if (!next) expect.fail('no metaData')
    const moved = snapshot.withMetadata(next)
    expect(moved).to.not.equal(snapshot)
    expect(moved.metadata).to.equal(next)
    expect(moved.partitionColumns).to.deep.equal(['plate'])
    expect([
      moved.location,
      moved.version,
      moved.timestamp,
      moved.protocol,
      moved.files,
      moved.tombstones,
      moved.transactions,
    ]).to.deep.equal([
      snapshot.location,
      snapshot.version,
      snapshot.timestamp,
      snapshot.protocol,
      snapshot.files,
      snapshot.tombstones,
      snapshot.transactions,
    ])
    expect(snapshot.metadata.id).to.equal('t')
    expect(snapshot.partitionColumns).to.deep.equal([])
  })
})
