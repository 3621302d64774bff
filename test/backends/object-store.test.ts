import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalObjectStore} from '../../src/backends/local/object-store.js'

/** Real: objects on the local filesystem. */
describe('local object store: group commit', () => {
  let root: string
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-objects-'))
  })
  afterEach(() => rmSync(root, {recursive: true, force: true}))

  it('a staged object is invisible until published; publishing stores each content once and leaves no temp file', async () => {
    const store = createLocalObjectStore({root: path.join(root, 'objects'), tempDir: root})
    const a = await store.stageBytes(Buffer.from('plate A\n'))
    const again = await store.stageBytes(Buffer.from('plate A\n'))
    const b = await store.stageFile(path.join(import.meta.dirname, 'object-store.test.ts'))
    expect(a.created).to.equal(true)
    expect(await store.has(a.sha256), 'a record must not point at an object before it is durable').to.equal(false)
    await store.publish([a, again, b])
    expect(await store.has(a.sha256)).to.equal(true)
    expect(await store.has(b.sha256)).to.equal(true)
    expect(readdirSync(root).filter((name) => name.endsWith('.part'))).to.deep.equal([])
    const chunks: Buffer[] = []
    for await (const chunk of await store.openRead(a.sha256)) chunks.push(chunk as Buffer)
    expect(Buffer.concat(chunks).toString()).to.equal('plate A\n')
    const stored = await store.stageBytes(Buffer.from('plate A\n'))
    expect(stored).to.deep.equal({sha256: a.sha256, size: 8, created: false})
  })
})
