import {randomUUID} from 'node:crypto'
import {expect} from 'chai'

import {BytesRemovedConflict} from '../../src/backends/bytes-removed.js'
import type {AuditLog, FileRecord, MetadataStore, NewFileRecord, SavedSearchStore} from '../../src/backends/types.js'
import type {LabmeshError} from '../../src/errors.js'

export type MetadataFactory = () => Promise<{
  metadata: MetadataStore
  savedSearches: SavedSearchStore
  audit: AuditLog
  close(): Promise<void>
}>

let clock = Date.parse('2026-03-01T00:00:00.000Z')

/** A raw file record at a source; each new one is ingested 1 ms after the previous. */
export function rawRecord(sourcePath: string, version = 1, extra: Partial<NewFileRecord> = {}): NewFileRecord {
  clock += 1
  return {
    fileId: randomUUID(),
    category: 'RAW',
    traceId: randomUUID(),
    rawFileId: null,
    sha256: randomUUID().replaceAll('-', '').padEnd(64, '0'),
    size: 42,
    sourcePath,
    sourceHost: 'host-a',
    ingestedAt: new Date(clock).toISOString(),
    modifiedAt: '2026-02-01T10:00:00.000Z',
    version,
    metadata: {project: 'alpha', instrument: 'bmg-mars'},
    labels: [{name: 'site', value: 'boston'}],
    status: 'ingested',
    error: null,
    ...extra,
  }
}

const code = (error: unknown): string | undefined => (error as LabmeshError | undefined)?.code

/** What every MetadataStore promises (src/backends/types.ts), run against SQLite and PostgreSQL. */
export function metadataContract(name: string, open: MetadataFactory): void {
  describe(`${name}: the metadata store contract`, function () {
    this.timeout(60_000)
    let store: Awaited<ReturnType<MetadataFactory>>
    let metadata: MetadataStore
    beforeEach(async () => {
      store = await open()
      metadata = store.metadata
      // Each test starts with an empty outbox of its own records.
      await metadata.changes.acknowledge('lake', await metadata.changes.pending('lake', 100_000))
    })
    afterEach(async () => {
      await store.close()
    })

    it('stores records with labels and reads them back whole, by id, ids and prefix', async () => {
      const a = rawRecord('/drop/a.csv', 1, {
        labels: [
          {name: 'site', value: 'boston'},
          {name: 'assay', value: 'elisa'},
        ],
      })
      const b = rawRecord('/drop/b.csv')
      expect(await metadata.insertFiles([a, b])).to.deep.equal([undefined, undefined])
      const read = (await metadata.getFile(a.fileId)) as FileRecord
      expect(read).to.deep.equal({
        ...a,
        latest: true,
        labels: [
          {name: 'assay', value: 'elisa'},
          {name: 'site', value: 'boston'},
        ],
      } as FileRecord & {searchText?: string})
      expect((await metadata.getFiles([b.fileId, a.fileId, 'missing'])).map((f) => f.fileId).sort()).to.deep.equal(
        [a.fileId, b.fileId].sort(),
      )
      expect(await metadata.matchFileIds(a.fileId.slice(0, 8), 5)).to.deep.equal([a.fileId])
      expect(await metadata.matchFileIds('%', 5)).to.deep.equal([])
      expect(await metadata.getFile('missing')).to.equal(undefined)
    })

    it('refuses a repeated (source, version) with CONFLICT and keeps the rest of the batch', async () => {
      const first = rawRecord('/drop/c.csv')
      await metadata.insertFile(first)
      const repeat = rawRecord('/drop/c.csv', 1)
      const other = rawRecord('/drop/d.csv')
      const errors = await metadata.insertFiles([repeat, other])
      expect(code(errors[0])).to.equal('CONFLICT')
      expect(errors[0]?.message).to.include('/drop/c.csv')
      expect(errors[1]).to.equal(undefined)
      expect(await metadata.getFile(repeat.fileId)).to.equal(undefined)
      expect(await metadata.getFile(other.fileId)).to.not.equal(undefined)
      expect(code(await metadata.insertFile(rawRecord('/drop/c.csv', 1)).catch((e: unknown) => e))).to.equal('CONFLICT')
    })

    it('lets exactly one of concurrent writers of the same version win', async () => {
      const attempts = Array.from({length: 8}, () => metadata.insertFile(rawRecord('/drop/race.csv', 1)))
      const results = await Promise.allSettled(attempts)
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1)
      for (const r of results) if (r.status === 'rejected') expect(code(r.reason)).to.equal('CONFLICT')
    })

    it('supersedes the previous version, keeps versions in order, and finds the latest at a source', async () => {
      const v1 = rawRecord('/drop/e.csv', 1)
      const v2 = rawRecord('/drop/e.csv', 2)
      await metadata.insertFile(v1)
      await metadata.insertFile(v2)
      expect((await metadata.getFile(v1.fileId))?.latest).to.equal(false)
      expect((await metadata.latestAtSource('host-a', '/drop/e.csv'))?.fileId).to.equal(v2.fileId)
      expect((await metadata.versionsOf(v1.fileId)).map((f) => f.version)).to.deep.equal([1, 2])
      expect((await metadata.listFiles({sourcePath: '/drop/e.csv'})).map((f) => f.fileId)).to.deep.equal([v2.fileId])
      expect((await metadata.listFiles({sourcePath: '/drop/e.csv', allVersions: true})).map((f) => f.fileId)).to.deep.equal([
        v1.fileId,
        v2.fileId,
      ])
      expect(code(await metadata.versionsOf('missing').catch((e: unknown) => e))).to.equal('NOT_FOUND')
    })

    it('filters by category, status, metadata, labels and time, and pages by keyset while records change', async () => {
      const records = Array.from({length: 25}, (_, i) => rawRecord(`/drop/page-${i}.csv`, 1, {metadata: {project: i % 2 ? 'odd' : 'even'}}))
      await metadata.insertFiles(records)
      const engineered = rawRecord('/drop/page-0.csv', 1, {
        category: 'ENGINEERED',
        rawFileId: records[0].fileId,
        traceId: records[0].traceId,
        status: 'converted',
      })
      await metadata.insertFile(engineered)
      expect((await metadata.derivedFrom(records[0].fileId)).map((f) => f.fileId)).to.deep.equal([engineered.fileId])
      expect(await metadata.listFiles({category: 'ENGINEERED'})).to.have.length(1)
      expect(await metadata.listFiles({metadata: {project: 'odd'}, category: 'RAW'})).to.have.length(12)
      expect(await metadata.listFiles({labels: [{name: 'site', value: 'boston'}], category: 'RAW'})).to.have.length(25)
      expect(await metadata.listFiles({labels: [{name: 'site', value: 'paris'}]})).to.have.length(0)
      expect(await metadata.listFiles({since: records[20].ingestedAt, category: 'RAW'})).to.have.length(5)
      expect(await metadata.listFiles({before: records[5].ingestedAt, category: 'RAW'})).to.have.length(5)
      expect(code(await metadata.listFiles({metadata: {"x') OR 1=1 --": 'y'}}).catch((e: unknown) => e))).to.equal('INVALID_INPUT')

      // Converting every file of a page while paging by status: no file is skipped, none is seen twice.
      const seen: string[] = []
      let after: {ingestedAt: string; fileId: string} | undefined
      for (;;) {
        const page = await metadata.listFiles({category: 'RAW', status: 'ingested', limit: 7, after})
        if (page.length === 0) break
        for (const file of page) {
          seen.push(file.fileId)
          await metadata.setStatus(file.fileId, 'converted')
        }
        after = {ingestedAt: page.at(-1)!.ingestedAt, fileId: page.at(-1)!.fileId}
      }
      expect(seen).to.deep.equal(records.map((r) => r.fileId))
      expect(await metadata.listFiles({status: 'ingested'})).to.have.length(0)
    })

    it('pages by keyset through files that share an ingest time, in (ingestedAt, fileId) order', async () => {
      const at = rawRecord('/drop/same-time-0.csv').ingestedAt
      const records = Array.from({length: 9}, (_, i) => rawRecord(`/drop/same-time-${i}.csv`, 1, {ingestedAt: at}))
      await metadata.insertFiles(records)
      const seen: string[] = []
      for (let after: FileRecord | undefined; ;) {
        const page = await metadata.listFiles({since: at, before: new Date(Date.parse(at) + 1).toISOString(), limit: 4, after})
        if (page.length === 0) break
        seen.push(...page.map((f) => f.fileId))
        after = page.at(-1)
      }
      expect(seen).to.deep.equal(records.map((r) => r.fileId).sort())
    })

    it('records a batch of conversions: engineered records stored, raw files converted, a refused record fails its raw file', async () => {
      const raws = ['/drop/h.csv', '/drop/i.csv', '/drop/j.csv'].map((p) => rawRecord(p))
      await metadata.insertFiles(raws)
      const engineeredOf = (raw: NewFileRecord, version = 1): NewFileRecord =>
        rawRecord(raw.sourcePath, version, {category: 'ENGINEERED', rawFileId: raw.fileId, traceId: raw.traceId, status: 'converted'})
      const earlier = engineeredOf(raws[1])
      const taken = engineeredOf(raws[2])
      await metadata.insertFiles([earlier, taken])
      await metadata.changes.acknowledge('lake', await metadata.changes.pending('lake', 1000))

      expect(await metadata.recordConversions([])).to.deep.equal([])
      const conversions = [engineeredOf(raws[0]), engineeredOf(raws[1], 2), engineeredOf(raws[2])].map((engineered, i) => ({
        rawFileId: raws[i].fileId,
        engineered,
      }))
      const errors = await metadata.recordConversions(conversions)
      expect(errors.map(code)).to.deep.equal([undefined, undefined, 'CONFLICT'])
      const [h, i, j] = await Promise.all(raws.map((r) => metadata.getFile(r.fileId)))
      expect([h?.status, i?.status, j?.status]).to.deep.equal(['converted', 'converted', 'failed'])
      expect(j?.error?.code).to.equal('CONFLICT')
      expect((await metadata.getFile(conversions[0].engineered.fileId))?.latest).to.equal(true)
      expect((await metadata.getFile(earlier.fileId))?.latest, 'the new engineered version supersedes the earlier').to.equal(false)
      expect(await metadata.getFile(conversions[2].engineered.fileId)).to.equal(undefined)
      expect((await metadata.derivedFrom(raws[2].fileId)).map((f) => f.fileId)).to.deep.equal([taken.fileId])
      // The outbox has every raw file whose row changed, queued with the records.
      const queued = new Set((await metadata.changes.pending('lake', 1000)).map((c) => c.fileId))
      expect([...queued].sort()).to.deep.equal(raws.map((r) => r.fileId).sort())
    })

    it('adds and removes labels, sets status with an error, and refuses unknown ids', async () => {
      const file = rawRecord('/drop/f.csv')
      await metadata.insertFile(file)
      const updated = await metadata.updateLabels(file.fileId, [{name: 'qc', value: 'passed'}], [{name: 'site', value: 'boston'}])
      expect(updated.labels).to.deep.equal([{name: 'qc', value: 'passed'}])
      expect((await metadata.getFile(file.fileId))?.labels).to.deep.equal([{name: 'qc', value: 'passed'}])
      await metadata.setStatus(file.fileId, 'failed', {code: 'INVALID_DATA', message: 'truncated'})
      expect((await metadata.getFile(file.fileId))?.error).to.deep.equal({code: 'INVALID_DATA', message: 'truncated'})
      expect(code(await metadata.updateLabels('missing', [], []).catch((e: unknown) => e))).to.equal('NOT_FOUND')
      expect(code(await metadata.setStatus('missing', 'converted').catch((e: unknown) => e))).to.equal('NOT_FOUND')
    })

    it('queues every change for the lake under the raw file id, in the same transaction, until acknowledged', async () => {
      const v1 = rawRecord('/drop/g.csv', 1)
      await metadata.insertFile(v1)
      const v2 = rawRecord('/drop/g.csv', 2)
      await metadata.insertFile(v2)
      const engineered = rawRecord('/drop/g.csv', 1, {
        category: 'ENGINEERED',
        rawFileId: v2.fileId,
        traceId: v2.traceId,
        status: 'converted',
      })
      await metadata.insertFile(engineered)
      await metadata.updateLabels(v2.fileId, [{name: 'qc', value: 'ok'}], [])
      await metadata.setStatus(v2.fileId, 'converted')
      // A refused record queues nothing.
      await metadata.insertFiles([rawRecord('/drop/g.csv', 2)])
      const pending = await metadata.changes.pending('lake', 1000)
      const ids = new Set(pending.map((c) => c.fileId))
      expect([...ids].sort()).to.deep.equal([v1.fileId, v2.fileId].sort())
      expect(pending.map((c) => c.seq)).to.deep.equal([...pending.map((c) => c.seq)].sort((a, b) => a - b))
      await metadata.changes.acknowledge('lake', pending.slice(0, 2))
      expect(await metadata.changes.pending('lake', 1000)).to.deep.equal(pending.slice(2))
      await metadata.changes.acknowledge('lake', pending)
      expect(await metadata.changes.pending('lake', 1000)).to.deep.equal([])
    })

    it('lets one of concurrent convert runs claim each raw file, renews, releases and requeues claims', async () => {
      const files = ['/drop/h1.csv', '/drop/h2.csv', '/drop/h3.csv'].map((p) => rawRecord(p))
      await metadata.insertFiles(files)
      const ids = files.map((f) => f.fileId)
      const later = new Date(Date.now() + 60_000).toISOString()
      const [a, b] = await Promise.all([
        metadata.claimFiles(ids, {owner: 'host:1:a', expiresAt: later, from: ['ingested']}),
        metadata.claimFiles([...ids].reverse(), {owner: 'host:2:b', expiresAt: later, from: ['ingested']}),
      ])
      // Every file claimed exactly once, in the order asked.
      expect([...a, ...b].sort()).to.deep.equal([...ids].sort())
      expect(a).to.deep.equal(ids.filter((id) => a.includes(id)))
      expect((await metadata.getFile(ids[0]))?.status).to.equal('converting')
      expect((await metadata.claimOwners()).sort()).to.deep.equal([
        ...(a.length > 0 ? ['host:1:a'] : []),
        ...(b.length > 0 ? ['host:2:b'] : []),
      ])
      // Status not in `from`, or an engineered file, is not claimed.
      const engineered = rawRecord('/drop/h1.csv', 1, {category: 'ENGINEERED', rawFileId: ids[0], status: 'converted'})
      await metadata.insertFile(engineered)
      expect(
        await metadata.claimFiles([...ids, engineered.fileId], {owner: 'host:3:c', expiresAt: later, from: ['ingested', 'converted']}),
      ).to.deep.equal([])

      // A finished file ends its claim; the rest go back to `ingested` when their owner is released.
      const [done, ...held] = [...a, ...b]
      await metadata.setStatus(done, 'failed', {code: 'INVALID_DATA', message: 'cut short'})
      await metadata.renewClaims('host:1:a', later)
      expect(await metadata.releaseClaims({owners: ['host:1:a', 'host:2:b']})).to.equal(held.length)
      expect(await metadata.claimOwners()).to.deep.equal([])
      expect((await metadata.getFiles(held)).map((f) => f.status)).to.deep.equal(held.map(() => 'ingested'))

      // An expired lease is released whoever holds it; a live one is not.
      const past = new Date(Date.now() - 1000).toISOString()
      expect(await metadata.claimFiles([held[0]], {owner: 'gone:9:x', expiresAt: past, from: ['ingested']})).to.deep.equal([held[0]])
      expect(await metadata.claimFiles([held[1]], {owner: 'live:9:y', expiresAt: later, from: ['ingested']})).to.deep.equal([held[1]])
      expect(await metadata.releaseClaims({owners: [], expiredBefore: new Date().toISOString()})).to.equal(1)
      expect(await metadata.claimOwners()).to.deep.equal(['live:9:y'])

      // --retry-failed: failed raw files go back to `ingested`, their error cleared.
      expect(await metadata.requeueFailed()).to.equal(1)
      expect(await metadata.getFile(done)).to.include({status: 'ingested', error: null})
    })

    it('keeps saved searches, refusing a taken name unless replacing', async () => {
      await store.savedSearches.save('boston', 'label.site:boston')
      expect(code(await store.savedSearches.save('boston', 'x').catch((e: unknown) => e))).to.equal('CONFLICT')
      await store.savedSearches.save('boston', 'label.site:boston project:alpha', {replace: true})
      await store.savedSearches.save('alpha', 'project:alpha')
      expect((await store.savedSearches.list()).map((s) => [s.name, s.query])).to.deep.equal([
        ['alpha', 'project:alpha'],
        ['boston', 'label.site:boston project:alpha'],
      ])
      expect(await store.savedSearches.get('nope')).to.equal(undefined)
      expect(await store.savedSearches.delete('alpha')).to.equal(true)
      expect(await store.savedSearches.delete('alpha')).to.equal(false)
      expect((await store.savedSearches.list()).map((s) => s.name)).to.deep.equal(['boston'])
    })

    it("keeps the current document current when an older raw version's document is stored after it", async () => {
      const v1 = rawRecord('/drop/r.csv', 1)
      const v2 = rawRecord('/drop/r.csv', 2)
      await metadata.insertFiles([v1, v2])
      const document = (raw: NewFileRecord, version: number): NewFileRecord =>
        rawRecord('/drop/r.csv', version, {category: 'ENGINEERED', rawFileId: raw.fileId, traceId: raw.traceId, status: 'converted'})
      const ofV1 = document(v1, 1)
      const ofV2 = document(v2, 2)
      await metadata.insertFile(ofV1)
      await metadata.insertFile(ofV2)
      // Reconverting version 1 stores its document as version 3 of the engineered source: kept, not current.
      const again = document(v1, 3)
      await metadata.insertFile(again)
      const current = await metadata.listFiles({category: 'ENGINEERED'})
      expect(current.map((f) => f.fileId)).to.deep.equal([ofV2.fileId])
      expect((await metadata.getFile(again.fileId))?.latest).to.equal(false)
      // A newer raw version's document still takes over.
      const v3 = rawRecord('/drop/r.csv', 3)
      await metadata.insertFile(v3)
      const ofV3 = document(v3, 4)
      await metadata.insertFile(ofV3)
      expect((await metadata.listFiles({category: 'ENGINEERED'})).map((f) => f.fileId)).to.deep.equal([ofV3.fileId])
    })

    it('deletes records with their labels, gives the source its newest remaining version back, and queues unused objects', async () => {
      const shared = 'ab'.repeat(32)
      const v1 = rawRecord('/drop/d.csv', 1, {sha256: shared})
      const v2 = rawRecord('/drop/d.csv', 2)
      const copy = rawRecord('/drop/copy-of-d.csv', 1, {sha256: shared})
      await metadata.insertFiles([v1, v2, copy])
      const doc1 = rawRecord('/drop/d.csv', 1, {category: 'ENGINEERED', rawFileId: v1.fileId, traceId: v1.traceId})
      const doc2 = rawRecord('/drop/d.csv', 2, {category: 'ENGINEERED', rawFileId: v2.fileId, traceId: v2.traceId})
      await metadata.insertFiles([doc1, doc2])
      await metadata.changes.acknowledge('lake', await metadata.changes.pending('lake', 1000))

      expect(code(await metadata.deleteFiles([v2.fileId, randomUUID()]).catch((e: unknown) => e))).to.equal('NOT_FOUND')
      expect(await metadata.getFile(v2.fileId), 'all or none').to.not.equal(undefined)

      const {unusedObjects} = await metadata.deleteFiles([v2.fileId, doc2.fileId])
      expect(unusedObjects).to.deep.equal(
        [
          {sha256: v2.sha256, category: 'RAW'},
          {sha256: doc2.sha256, category: 'ENGINEERED'},
        ].sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1)),
      )
      expect(await metadata.getFiles([v2.fileId, doc2.fileId])).to.deep.equal([])
      expect((await metadata.getFile(v1.fileId))?.latest, 'version 1 is current again').to.equal(true)
      expect((await metadata.getFile(doc1.fileId))?.latest, "and so is version 1's document").to.equal(true)
      expect([...new Set((await metadata.changes.pending('lake', 1000)).map((c) => c.fileId))].sort()).to.deep.equal(
        [v1.fileId, v2.fileId].sort(),
      )

      // Bytes another record uses are not queued; a queued object stays queued until its bytes are gone.
      const again = await metadata.deleteFiles([v1.fileId, doc1.fileId])
      expect(again.unusedObjects.map((o) => o.sha256)).to.not.include(shared)
      expect(again.unusedObjects.map((o) => o.sha256)).to.include.members([v2.sha256, doc1.sha256])
      const v2Object = {sha256: v2.sha256, category: 'RAW' as const}
      // A claim whose lease lapsed (its run stopped before the bytes were gone) leaves the object for the next run.
      expect(await metadata.claimObjectRemoval(v2Object, -1000)).to.equal(true)
      expect((await metadata.deleteFiles([])).unusedObjects, 'still queued after the claim').to.deep.include(v2Object)
      expect(await metadata.claimObjectRemoval(v2Object, 60_000)).to.equal(true)
      expect(await metadata.claimObjectRemoval(v2Object, 60_000), 'a live claim is held once').to.equal(false)
      expect(await metadata.dequeueUnusedObject(v2Object)).to.equal(true)
      expect(await metadata.dequeueUnusedObject(v2Object), 'dequeued once: a second deletion does not count it').to.equal(false)
      expect(await metadata.claimObjectRemoval(v2Object, 60_000), 'no longer queued').to.equal(false)
      // Storing a record that uses queued bytes takes them off the queue.
      await metadata.insertFile(rawRecord('/drop/e.csv', 1, {sha256: doc1.sha256, category: 'ENGINEERED', rawFileId: copy.fileId}))
      expect(await metadata.claimObjectRemoval({sha256: doc1.sha256, category: 'ENGINEERED'}, 60_000)).to.equal(false)
      expect((await metadata.deleteFiles([])).unusedObjects, 'nothing left queued').to.deep.equal([
        ...again.unusedObjects.filter((o) => o.sha256 !== v2.sha256 && o.sha256 !== doc1.sha256),
      ])
    })

    it('refuses records whose bytes a delete is removing, or removed after their mark; under a new mark they are stored', async () => {
      const gone = rawRecord('/drop/gone.csv')
      await metadata.insertFile(gone)
      const mark = await metadata.removalMark()
      const object = {sha256: gone.sha256, category: 'RAW' as const}
      await metadata.deleteFiles([gone.fileId])
      expect(await metadata.claimObjectRemoval(object, 60_000)).to.equal(true)
      // The same bytes, staged by another ingest while the delete removes them, and a file of other bytes.
      const same = rawRecord('/drop/same-bytes.csv', 1, {sha256: gone.sha256})
      const other = rawRecord('/drop/other.csv')
      const during = await metadata.insertFiles([same, other], {removalMark: mark})
      expect(during[0]).to.be.instanceOf(BytesRemovedConflict)
      expect(during[0]?.code).to.equal('CONFLICT')
      expect(during[1]).to.equal(undefined)
      expect(await metadata.getFile(same.fileId)).to.equal(undefined)
      expect(await metadata.getFile(other.fileId)).to.not.equal(undefined)
      const newer = await metadata.removalMark()
      expect((await metadata.insertFiles([same], {removalMark: newer}))[0], 'a mark read during the removal too').to.be.instanceOf(
        BytesRemovedConflict,
      )
      expect(await metadata.dequeueUnusedObject(object)).to.equal(true)
      expect((await metadata.insertFiles([same], {removalMark: newer}))[0], 'removed after the mark').to.be.instanceOf(BytesRemovedConflict)
      // A document is refused alike, and its raw file marked failed with why.
      const raw = rawRecord('/drop/converted.csv')
      await metadata.insertFile(raw)
      const doc = rawRecord('/drop/converted.csv', 1, {
        category: 'ENGINEERED',
        rawFileId: raw.fileId,
        traceId: raw.traceId,
        sha256: gone.sha256,
      })
      const [refused] = await metadata.recordConversions([{rawFileId: raw.fileId, engineered: doc}], {removalMark: newer})
      expect(refused).to.be.instanceOf(BytesRemovedConflict)
      expect((await metadata.getFile(raw.fileId))?.status).to.equal('failed')
      // Bytes staged after the removal was logged are there: stored.
      const fresh = await metadata.removalMark()
      expect(fresh).to.be.greaterThan(newer)
      expect(await metadata.insertFiles([same], {removalMark: fresh})).to.deep.equal([undefined])

      // A claim whose lease lapsed (its delete stopped, perhaps after removing the bytes) counts as a removal from the next mark on.
      const lapsed = rawRecord('/drop/lapsed.csv')
      await metadata.insertFile(lapsed)
      const before = await metadata.removalMark()
      await metadata.deleteFiles([lapsed.fileId])
      expect(await metadata.claimObjectRemoval({sha256: lapsed.sha256, category: 'RAW'}, -1000)).to.equal(true)
      const copyOfLapsed = rawRecord('/drop/lapsed-copy.csv', 1, {sha256: lapsed.sha256})
      expect((await metadata.insertFiles([copyOfLapsed], {removalMark: before}))[0]).to.be.instanceOf(BytesRemovedConflict)
      const after = await metadata.removalMark()
      expect(after).to.be.greaterThan(before)
      expect((await metadata.insertFiles([copyOfLapsed], {removalMark: before}))[0]).to.be.instanceOf(BytesRemovedConflict)
      expect(await metadata.insertFiles([copyOfLapsed], {removalMark: after})).to.deep.equal([undefined])
      expect(await metadata.claimObjectRemoval({sha256: lapsed.sha256, category: 'RAW'}, 60_000), 'used again').to.equal(false)
    })

    it('keeps an audit log, newest first, since a time', async () => {
      const first = await store.audit.record('files delete', 'a b', {files: 2})
      await new Promise((resolve) => setTimeout(resolve, 5))
      const second = await store.audit.record('search delete', 'boston')
      const all = await store.audit.list()
      expect(all.map((e) => [e.action, e.subject])).to.deep.equal([
        ['search delete', 'boston'],
        ['files delete', 'a b'],
      ])
      expect(all[1]).to.deep.equal(first)
      expect(all[1].user).to.be.a('string').and.not.equal('')
      expect((await store.audit.list({since: second.at})).map((e) => e.action)).to.deep.equal(['search delete'])
      expect(await store.audit.list({limit: 1})).to.have.length(1)
    })
  })
}
