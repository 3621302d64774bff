import {execFileSync} from 'node:child_process'
import {chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {type WalkEntry, walkFiles} from '../../src/ingest/walk.js'

const collect = async (inputs: string[], options = {}): Promise<WalkEntry[]> => {
  const entries: WalkEntry[] = []
  for await (const entry of walkFiles(inputs, options)) entries.push(entry)
  return entries
}
const statMtime = (p: string): Date => statSync(p).mtime
const relativePaths = (entries: WalkEntry[]): (string | false)[] => entries.map((e) => e.kind === 'file' && e.relativePath)

/**
 * Runs `walk` as a user other than root when the tests run as root (as in CI): root may list and
 * look into any folder, so the folders' modes would not apply. seteuid switches back after.
 */
async function asOtherUser<T>(walk: () => Promise<T>): Promise<T> {
  if (process.getuid?.() !== 0) return walk()
  process.seteuid!(65_534)
  try {
    return await walk()
  } finally {
    process.seteuid!(0)
  }
}

/** walkFiles on a real folder tree: files in name order, and every path it cannot take as a problem with its reason. */
describe('walkFiles', () => {
  let root: string
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-walk-'))
  })
  afterEach(() => rmSync(root, {recursive: true, force: true}))

  const file = (relative: string, text = relative): string => {
    const full = path.join(root, relative)
    mkdirSync(path.dirname(full), {recursive: true})
    writeFileSync(full, text)
    return full
  }

  it('yields files depth first in name order, with their relative path, size and time', async () => {
    const when = new Date('2024-05-06T07:08:09.000Z')
    utimesSync(file('b/2.csv', 'two'), when, when)
    file('b/10.csv', 'ten!')
    file('a.csv', 'a')
    file('c/d/e.csv', 'deep')
    const entries = await collect([root])
    expect(entries.map((e) => (e.kind === 'file' ? [e.relativePath, e.size, e.path] : e))).to.deep.equal([
      ['a.csv', 1, path.join(root, 'a.csv')],
      ['b/10.csv', 4, path.join(root, 'b/10.csv')],
      ['b/2.csv', 3, path.join(root, 'b/2.csv')],
      ['c/d/e.csv', 4, path.join(root, 'c/d/e.csv')],
    ])
    const two = entries.find((e) => e.kind === 'file' && e.relativePath === 'b/2.csv')
    expect(two?.kind === 'file' && two.mtime.toISOString()).to.equal('2024-05-06T07:08:09.000Z')
  })

  it('orders each folder by the bytes of its names, not by UTF-16 units or locale', async () => {
    // Byte order: digits, upper case, `_`, lower case, then UTF-8, where U+FB01 (EF AC 81) comes
    // before U+1F9EA (F0 9F A7 AA), unlike in UTF-16. Names are made in a shuffled order.
    const names = Array.from({length: 36}, (_, i) => `${'Nn_1'[i % 4]}${(i * 7) % 36}.csv`)
    for (const name of [...names, '\u{1F9EA}.csv', '\uFB01.csv', 'é.csv', 'z.csv']) file(`many/${name}`)
    const listed = (await collect([path.join(root, 'many')])).map((e) => e.kind === 'file' && e.relativePath)
    const ascii = [...names].sort() // ASCII: code units order as bytes do
    expect(listed).to.deep.equal([...ascii, 'z.csv', 'é.csv', '\uFB01.csv', '\u{1F9EA}.csv'])
  })

  it('takes a file argument by its name, visits a folder inside another argument once, and filters by relative path', async () => {
    const single = file('one/x.csv')
    file('one/y.txt')
    file('one/skip/z.csv')
    expect((await collect([single])).map((e) => e.kind === 'file' && e.relativePath)).to.deep.equal(['x.csv'])
    const twice = await collect([root, path.join(root, 'one'), path.join(root, 'one') + path.sep])
    expect(twice.map((e) => e.kind === 'file' && e.relativePath)).to.deep.equal(['one/skip/z.csv', 'one/x.csv', 'one/y.txt'])
    // A sibling whose name starts like an argument is not inside it.
    file('one-more/w.csv')
    expect(
      (await collect([path.join(root, 'one'), path.join(root, 'one-more')])).map((e) => e.kind === 'file' && e.relativePath),
    ).to.deep.equal(['skip/z.csv', 'x.csv', 'y.txt', 'w.csv'])
    const filtered = await collect([path.join(root, 'one')], {include: ['**/*.csv'], exclude: ['skip/**']})
    expect(filtered.map((e) => e.kind === 'file' && e.relativePath)).to.deep.equal(['x.csv'])
    expect((await collect([single], {exclude: ['*.csv']})).length).to.equal(0)
    // Patterns match dot files too, both ways.
    file('one/.hidden.csv')
    const dots = (options: object) =>
      collect([path.join(root, 'one')], options).then((all) => all.map((e) => e.kind === 'file' && e.relativePath))
    // A pattern without a slash matches file names at any depth; one with a slash, the relative path.
    expect(await dots({include: ['*.csv']})).to.deep.equal(['.hidden.csv', 'skip/z.csv', 'x.csv'])
    expect(await dots({include: ['skip/*.csv']})).to.deep.equal(['skip/z.csv'])
    expect(await dots({exclude: ['**/*.csv']})).to.deep.equal(['y.txt'])
  })

  it('reports what it cannot take, each with its reason, and goes on', async () => {
    file('good.csv')
    symlinkSync(path.join(root, 'nowhere.csv'), path.join(root, 'broken.csv'))
    symlinkSync('self', path.join(root, 'self'))
    mkdirSync(path.join(root, 'sub'))
    symlinkSync('..', path.join(root, 'sub', 'up'))
    execFileSync('mkfifo', [path.join(root, 'pipe')])
    writeFileSync(Buffer.concat([Buffer.from(root + '/'), Buffer.from([0x66, 0xff, 0x2e, 0x63])]), 'x')
    // Paths the system refuses for other reasons: the reason as it gives it.
    const long = path.join(root, 'x'.repeat(5000))
    expect(await collect([long])).to.deep.equal([
      {kind: 'problem', path: long, code: 'UNREADABLE', message: `ENAMETOOLONG: name too long, stat '${long}'`},
    ])
    const underFile = path.join(file('plain.txt'), 'x')
    expect(await collect([underFile])).to.deep.equal([
      {kind: 'problem', path: underFile, code: 'UNREADABLE', message: `ENOTDIR: not a directory, stat '${underFile}'`},
    ])
    rmSync(path.join(root, 'plain.txt'))
    const entries = await collect([root, `${root}-absent`])
    const problems = entries.filter((e) => e.kind === 'problem')
    expect(problems).to.deep.equal([
      {kind: 'problem', path: path.join(root, 'broken.csv'), code: 'NOT_FOUND', message: 'broken symbolic link: its target does not exist'},
      {
        kind: 'problem',
        path: path.join(root, Buffer.from([0x66, 0xff, 0x2e, 0x63]).toString('latin1')),
        code: 'INVALID_INPUT',
        message: 'file name is not valid UTF-8 (bytes 66ff2e63); rename it to ingest it',
      },
      {
        kind: 'problem',
        path: path.join(root, 'pipe'),
        code: 'INVALID_INPUT',
        message: 'not a regular file (device, socket or pipe): only files are ingested',
      },
      {kind: 'problem', path: path.join(root, 'self'), code: 'UNREADABLE', message: 'symbolic link loop: the link resolves to itself'},
      {
        kind: 'problem',
        path: path.join(root, 'sub', 'up'),
        code: 'UNREADABLE',
        message: 'symbolic link loop: this folder links back to one of its parents',
      },
      {kind: 'problem', path: `${root}-absent`, code: 'NOT_FOUND', message: 'no such file or folder'},
    ])
    expect(entries.filter((e) => e.kind === 'file').map((e) => e.kind === 'file' && e.relativePath)).to.deep.equal(['good.csv'])
    // A special file is a problem when given by name, or when the filters want it.
    expect(await collect([path.join(root, 'pipe')])).to.deep.equal([problems[2]])
    const filtered = await collect([root], {include: ['*.csv']})
    expect(filtered.map((e) => e.path)).to.deep.equal(
      entries.map((e) => e.path).filter((p) => !p.endsWith('pipe') && !p.endsWith('-absent')),
    )
  })

  it('ignores case in --include and --exclude where the file system holding the files ignores it', async () => {
    // This machine's temporary folder is case-sensitive: Plate.csv and pLATE.CSV are two files.
    file('sensitive/Plate.csv', 'one')
    file('sensitive/pLATE.CSV', 'another')
    file('sensitive/2024/run.CSV')
    // A case-insensitive one answers a name with its case swapped with the same file: here a hard
    // link gives that answer (the probe compares inodes), as a share mounted from a lab PC would.
    linkSync(file('insensitive/Plate.csv'), path.join(root, 'insensitive', 'pLATE.CSV'))
    file('insensitive/2024/run.CSV')
    const walked = (folder: string, options: object) => collect([path.join(root, folder)], options).then(relativePaths)
    expect(await walked('sensitive', {include: ['*.csv']})).to.deep.equal(['Plate.csv'])
    expect(await walked('insensitive', {include: ['*.csv']})).to.deep.equal(['2024/run.CSV', 'Plate.csv', 'pLATE.CSV'])
    expect(await walked('sensitive', {exclude: ['2024/RUN.csv']})).to.deep.equal(['2024/run.CSV', 'Plate.csv', 'pLATE.CSV'])
    expect(await walked('insensitive', {exclude: ['2024/RUN.csv']})).to.deep.equal(['Plate.csv', 'pLATE.CSV'])
    // A file argument is probed by its own name.
    expect(await walked('insensitive/Plate.csv', {include: ['*.CSV']})).to.deep.equal(['Plate.csv'])
    expect(await walked('sensitive/Plate.csv', {include: ['*.CSV']})).to.deep.equal([])
    // Names without letters cannot tell: the platform's default decides (case-sensitive on Linux).
    expect(process.platform).to.equal('linux')
    expect(await walked('insensitive/2024', {include: ['*.csv']})).to.deep.equal([])
    file('digits/2024/7.csv')
    expect(await walked('digits', {include: ['*.CSV']})).to.deep.equal([])
  })

  it('a pattern with a slash anywhere, even inside braces, matches the relative path, never a name alone', async () => {
    file('a.csv')
    file('x/a.csv')
    file('x/b.csv')
    expect(relativePaths(await collect([root], {include: ['{a.csv,x/b.csv}']}))).to.deep.equal(['a.csv', 'x/b.csv'])
    expect(relativePaths(await collect([root], {exclude: ['{a.csv,x/b.csv}']}))).to.deep.equal(['x/a.csv'])
  })

  it('reports a folder it may not list and a file it may not look at, and goes on', async () => {
    chmodSync(root, 0o755)
    file('good.csv')
    const locked = path.join(root, 'locked')
    file('locked/secret.csv')
    chmodSync(locked, 0o000)
    // Names can be listed, but nothing in it can be looked at (no search permission).
    const blind = path.join(root, 'blind')
    file('blind/hidden.csv')
    chmodSync(blind, 0o644)
    try {
      expect(await asOtherUser(() => collect([root]))).to.deep.equal([
        {kind: 'problem', path: path.join(blind, 'hidden.csv'), code: 'UNREADABLE', message: 'permission denied'},
        {kind: 'file', path: path.join(root, 'good.csv'), relativePath: 'good.csv', size: 8, mtime: statMtime(path.join(root, 'good.csv'))},
        {kind: 'problem', path: locked, code: 'UNREADABLE', message: `cannot list folder: EACCES: permission denied, scandir '${locked}'`},
      ])
      // Given by name: a name in it cannot be looked at to probe its case either; the file is reported.
      expect(await asOtherUser(() => collect([blind], {include: ['*.csv']}))).to.deep.equal([
        {kind: 'problem', path: path.join(blind, 'hidden.csv'), code: 'UNREADABLE', message: 'permission denied'},
      ])
      // Given by name, the same: its case is not probed, the folder is reported.
      expect(await asOtherUser(() => collect([locked], {include: ['*.csv']}))).to.deep.equal([
        {kind: 'problem', path: locked, code: 'UNREADABLE', message: `cannot list folder: EACCES: permission denied, scandir '${locked}'`},
      ])
    } finally {
      chmodSync(locked, 0o755)
      chmodSync(blind, 0o755)
    }
  })
})
