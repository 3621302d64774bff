import {createHash, randomBytes} from 'node:crypto'
import {appendFileSync, chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'
import {expect} from 'chai'

import {openPostgres, type Postgres} from '../../../src/backends/aws/postgres/connection.js'
import type {S3Facade} from '../../../src/backends/aws/s3.js'
import {createLocalBackend} from '../../../src/backends/local/index.js'
import type {FileRecord} from '../../../src/backends/types.js'
import {FILE_PAGE} from '../../../src/files/pages.js'
import {testS3Facade} from '../../support/aws/clients.js'
import {type AwsWorkspace, startAwsWorkspace} from '../../support/aws/workspace.js'

const TESTDATA = '/work/shared/testdata/instruments'
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
const rawKey = (sha: string): string => `team/raw/${sha.slice(0, 2)}/${sha}`

interface PushedRow {
  file_id: string
  trace_id: string
  sha256: string
  size: string
  source_path: string
  source_host: string
  version: number
  is_latest: boolean
  metadata: Record<string, string>
  modified_at: string
  ingested_at: string
  status: string
  labels: string[]
}

/**
 * `labmesh push --from <local profile> --to <aws profile>`: the built CLI in a subprocess; the local
 * workspace on real SQLite and files, filled by `labmesh ingest` with real instrument exports; the
 * aws profile over the real S3 protocol (s3rver behind the recording proxy, which counts the PUTs)
 * and a real PostgreSQL; Glue and KMS answered by the recording endpoint.
 */
describe('labmesh push --from <local profile> (aws backend)', function () {
  this.timeout(300_000)
  let profile: AwsWorkspace
  let db: Postgres
  let s3: S3Facade
  const local = (args: string[]) => profile.ws.run([...args, '--profile', 'local'], {env: profile.env})
  const push = (args: string[] = []) => profile.run(['push', '--from', 'local', '--json', ...args])
  const exports = (...parts: string[]) => profile.ws.path('exports', ...parts)
  /** Copies real exports into a folder of the test's (so versions can be made), returning the folder. */
  const copyExports = (folder: string, files: [string, string][]): string => {
    mkdirSync(exports(folder), {recursive: true})
    for (const [from, name] of files) copyFileSync(path.join(TESTDATA, from), exports(folder, name))
    return exports(folder)
  }
  const localRecords = async (): Promise<FileRecord[]> => {
    const backend = createLocalBackend({home: profile.ws.home})
    try {
      return await backend.metadata.listFiles({category: 'RAW', allVersions: true})
    } finally {
      await backend.close()
    }
  }
  const localBytes = async (sha: string): Promise<Buffer> => {
    const backend = createLocalBackend({home: profile.ws.home})
    try {
      const chunks: Buffer[] = []
      for await (const chunk of await backend.objects.openRead(sha)) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks)
    } finally {
      await backend.close()
    }
  }
  const pushedRows = async (): Promise<PushedRow[]> =>
    (
      await db.query<PushedRow>(
        `SELECT f.file_id, f.trace_id, f.sha256, f.size, f.source_path, f.source_host, f.version, f.is_latest, f.metadata,
                to_json(f.modified_at) #>> '{}' AS modified_at, to_json(f.ingested_at) #>> '{}' AS ingested_at, f.status, coalesce(array_agg(l.name || '=' || l.value ORDER BY l.name, l.value) FILTER (WHERE l.name IS NOT NULL), '{}') AS labels
         FROM files f LEFT JOIN labels l USING (file_id) WHERE f.category = 'RAW' GROUP BY f.file_id ORDER BY f.file_id`,
      )
    ).rows
  const rawPuts = (): number => profile.s3.matching('PUT', /\/team\/raw\//).length

  before(async () => {
    profile = await startAwsWorkspace()
    db = await openPostgres({url: profile.databaseUrl})
    s3 = await testS3Facade(profile.s3)
  })
  after(async () => {
    s3?.destroy()
    await db?.close()
    await profile?.stop()
  })

  it('sends every raw file version with its record (id, source, times, metadata, labels), bytes identical in S3, each object PUT once', async () => {
    const gen5 = copyExports('gen5', [
      ['agilent_gen5/absorbance/endpoint_stdcurve_singleplate.txt', 'plate-1.txt'],
      ['agilent_gen5/absorbance/endpoint_stdcurve_singleplate_2.txt', 'plate-2.txt'],
      ['agilent_gen5/absorbance/spectrum_data.txt', 'spectrum.txt'],
      // The same bytes under a second name: one object, two records.
      ['agilent_gen5/absorbance/spectrum_data.txt', 'spectrum-copy.txt'],
    ])
    const mars = copyExports('mars', [
      ['bmg_mars/16-03-03 16-54-03 472 ABS 384 QC.csv', 'qc.csv'],
      ['bmg_mars/BMG Labtech format.CSV', 'bmg.csv'],
    ])
    for (const [folder, label, metadata] of [
      [gen5, 'project=alpha', 'operator=ada'],
      [mars, 'site=boston', 'operator=grace'],
    ]) {
      const ingested = await local(['ingest', folder, '--label', label, '--metadata', metadata, '--json'])
      expect(ingested.code, ingested.stderr).to.equal(0)
    }
    // A second version of plate-1: new bytes at the same source, keeping its labels.
    appendFileSync(path.join(gen5, 'plate-1.txt'), '\nre-read\n')
    expect((await local(['ingest', gen5, '--json'])).code).to.equal(0)
    const records = await localRecords()
    expect(records).to.have.length(7)

    const pushed = await push(['--to', 'prod'])
    expect(pushed.code, pushed.stderr).to.equal(0)
    expect(pushed.json).to.include({source: 'workspace', from: 'local', sent: 7, unchanged: 0, relabelled: 0})
    expect(pushed.json.failed).to.deep.equal([])

    const rows = await pushedRows()
    const expected = records
      .map((r) => ({
        file_id: r.fileId,
        trace_id: r.traceId,
        sha256: r.sha256,
        size: String(r.size),
        source_path: r.sourcePath,
        source_host: r.sourceHost,
        version: r.version,
        is_latest: r.latest,
        metadata: r.metadata,
        modified_at: r.modifiedAt,
        ingested_at: r.ingestedAt,
        status: 'ingested',
        labels: r.labels.map((l) => `${l.name}=${l.value}`),
      }))
      .sort((a, b) => a.file_id.localeCompare(b.file_id))
    const asIso = (time: string): string => new Date(time).toISOString()
    expect(rows.map((r) => ({...r, modified_at: asIso(r.modified_at), ingested_at: asIso(r.ingested_at)}))).to.deep.equal(expected)
    const plate1 = rows
      .filter((r) => r.source_path.endsWith('plate-1.txt'))
      .sort((a, b) => a.version - b.version)
      .map((r) => [r.version, r.is_latest, r.labels])
    expect(plate1).to.deep.equal([
      [1, false, ['project=alpha']],
      [2, true, ['project=alpha']],
    ])

    const shas = [...new Set(records.map((r) => r.sha256))]
    expect(shas).to.have.length(6)
    for (const sha of shas) {
      const stored = await s3.getBytes(rawKey(sha))
      expect(sha256(stored)).to.equal(sha)
      expect(stored.equals(await localBytes(sha))).to.equal(true)
      expect(profile.s3.matching('PUT', new RegExp(`/${rawKey(sha)}$`)), sha).to.have.length(1)
    }
    const source = readFileSync(path.join(TESTDATA, 'bmg_mars/BMG Labtech format.CSV'))
    expect((await s3.getBytes(rawKey(sha256(source)))).equals(source)).to.equal(true)
  })

  it('a second push sends nothing (no PUT to S3), and brings labels added locally since', async () => {
    const before = {puts: rawPuts(), rows: (await pushedRows()).length}
    const [plate2] = (await localRecords()).filter((r) => r.sourcePath.endsWith('plate-2.txt'))
    const labelled = await local(['files', 'label', plate2.fileId, 'reviewed=yes', '--json'])
    expect(labelled.code, labelled.stderr).to.equal(0)

    const again = await push(['--to', 'prod'])
    expect(again.code, again.stderr).to.equal(0)
    expect(again.json).to.include({sent: 0, unchanged: 7, relabelled: 1, bytesSent: 0})
    expect(rawPuts()).to.equal(before.puts)
    const rows = await pushedRows()
    expect(rows).to.have.length(before.rows)
    expect(rows.find((r) => r.file_id === plate2.fileId)?.labels).to.deep.equal(['project=alpha', 'reviewed=yes'])

    const once = await profile.run(['push', '--from', 'local', '--json'])
    expect(once.json).to.include({sent: 0, unchanged: 7, relabelled: 0})
    expect(rawPuts()).to.equal(before.puts)
  })

  it('--since sends only the files ingested since then; the next push sends a file added before it', async () => {
    const older = copyExports('older', [['thermo_fisher_nanodrop_eight/' + nanodropFile(), 'nanodrop.txt']])
    expect((await local(['ingest', older, '--label', 'batch=older', '--json'])).code).to.equal(0)
    await delay(20)
    const since = new Date().toISOString()
    const newer = copyExports('newer', [
      ['bmg_mars/24-10-16 15-09-52 Luminescence 1536.csv', 'lumi.csv'],
      // Bytes the first push sent already, at a new source: a new record, no upload.
      ['agilent_gen5/absorbance/endpoint_stdcurve_singleplate_2.txt', 'plate-2-again.txt'],
    ])
    expect((await local(['ingest', newer, '--label', 'batch=newer', '--json'])).code).to.equal(0)
    const again = sha256(readFileSync(path.join(newer, 'plate-2-again.txt')))
    const putsOfAgain = profile.s3.matching('PUT', new RegExp(`/${rawKey(again)}$`)).length
    expect(putsOfAgain).to.equal(1)

    const recent = await push(['--to', 'prod', '--since', since])
    expect(recent.code, recent.stderr).to.equal(0)
    expect(recent.json).to.include({sent: 2, unchanged: 0})
    const sources = async () => (await pushedRows()).map((r) => path.basename(r.source_path))
    expect(await sources())
      .to.include.members(['lumi.csv', 'plate-2-again.txt'])
      .and.not.include('nanodrop.txt')
    expect(profile.s3.matching('PUT', new RegExp(`/${rawKey(again)}$`))).to.have.length(putsOfAgain)

    const rest = await push(['--to', 'prod'])
    expect(rest.code, rest.stderr).to.equal(0)
    expect(rest.json).to.include({sent: 1, unchanged: 9})
    expect(await sources()).to.include('nanodrop.txt')
    const [nanodrop] = (await pushedRows()).filter((r) => r.source_path.endsWith('nanodrop.txt'))
    expect(nanodrop.labels).to.deep.equal(['batch=older'])
    expect((await s3.getBytes(rawKey(nanodrop.sha256))).equals(readFileSync(path.join(older, 'nanodrop.txt')))).to.equal(true)
  })

  it('names files whose local bytes are damaged (small or large) as failed, uploads none of their bytes and sends the others (exit INVALID_DATA); a re-run sends them once repaired', async () => {
    const folder = copyExports('damaged', [
      ['agilent_gen5/absorbance/endpoint_wavelength_measurement_labels.txt', 'good.txt'],
      ['agilent_gen5/absorbance/kinetic_helper_gene_growth_curve.txt', 'bad.txt'],
    ])
    // Above the size copied through memory: these go through a temporary file.
    writeFileSync(path.join(folder, 'big-good.bin'), randomBytes(5 * 1024 * 1024))
    writeFileSync(path.join(folder, 'big-bad.bin'), randomBytes(5 * 1024 * 1024))
    expect((await local(['ingest', folder, '--json'])).code).to.equal(0)
    const damage = (name: string, bytes: Buffer): {object: string; original: Buffer} => {
      const original = readFileSync(path.join(folder, name))
      const object = path.join(profile.ws.home, 'objects', sha256(original).slice(0, 2), sha256(original))
      chmodSync(object, 0o644)
      writeFileSync(object, bytes)
      return {object, original}
    }
    const damaged = [Buffer.from('not the bytes that were ingested\n'), randomBytes(5 * 1024 * 1024)]
    const bad = damage('bad.txt', damaged[0])
    const bigBad = damage('big-bad.bin', damaged[1])

    const pushed = await push(['--to', 'prod'])
    expect(pushed.code, pushed.stderr).to.equal(6)
    expect(pushed.json.error).to.equal(undefined)
    expect(pushed.json).to.include({sent: 2})
    expect(pushed.json.failed).to.have.length(2)
    expect(pushed.json.failed.map((f: {sourcePath: string; code: string}) => [path.basename(f.sourcePath), f.code]).sort()).to.deep.equal([
      ['bad.txt', 'INVALID_DATA'],
      ['big-bad.bin', 'INVALID_DATA'],
    ])
    expect((await pushedRows()).map((r) => path.basename(r.source_path)))
      .to.include.members(['good.txt', 'big-good.bin'])
      .and.not.include.members(['bad.txt', 'big-bad.bin'])
    expect(
      (await s3.getBytes(rawKey(sha256(readFileSync(path.join(folder, 'big-good.bin')))))).equals(
        readFileSync(path.join(folder, 'big-good.bin')),
      ),
    ).to.equal(true)
    // Damaged bytes are refused before they reach the target: nothing of theirs is uploaded.
    for (const bytes of damaged) expect(profile.s3.matching('PUT', new RegExp(`/${rawKey(sha256(bytes))}`))).to.have.length(0)

    writeFileSync(bad.object, bad.original)
    writeFileSync(bigBad.object, bigBad.original)
    const repaired = await push(['--to', 'prod'])
    expect(repaired.code, repaired.stderr).to.equal(0)
    expect(repaired.json).to.include({sent: 2})
    expect((await s3.getBytes(rawKey(sha256(bad.original)))).equals(bad.original)).to.equal(true)
    expect((await s3.getBytes(rawKey(sha256(bigBad.original)))).equals(bigBad.original)).to.equal(true)
  })

  it('stops at an S3 outage with the service error, and the re-run once S3 is back sends the rest, none twice', async () => {
    const folder = copyExports('outage', [
      ['bmg_mars/16-02-29 14-34-46 Transcreener ADP2 FI.csv', 'fi.csv'],
      ['agilent_gen5/absorbance/Kinetic_Analysis_Mean_Slope_and_Standard_Curve_tab.txt', 'kinetic.txt'],
    ])
    expect((await local(['ingest', folder, '--json'])).code).to.equal(0)
    const before = (await pushedRows()).length
    await profile.s3.pause()
    let stopped
    try {
      stopped = await push(['--to', 'prod'])
    } finally {
      await profile.s3.resume()
    }
    expect(stopped.code).to.not.equal(0)
    expect(stopped.json.error.code).to.equal('BACKEND')
    expect(stopped.json.error.suggestions.join(' ')).to.include('again once the service is back')
    expect(await pushedRows()).to.have.length(before)

    const resumed = await push(['--to', 'prod'])
    expect(resumed.code, resumed.stderr).to.equal(0)
    expect(resumed.json).to.include({sent: 2})
    const rows = await pushedRows()
    expect(rows).to.have.length(before + 2)
    expect(new Set(rows.map((r) => `${r.source_host}:${r.source_path}:${r.version}`)).size).to.equal(rows.length)
  })

  it('sends a workspace of more files than a page of the source (500): each once, a version on the next page numbered after its first', async () => {
    const files = FILE_PAGE + 20
    // Every file of the tests before was sent by them.
    const before = (await localRecords()).length
    const folder = exports('many')
    mkdirSync(folder, {recursive: true})
    for (let i = 0; i < files; i++) writeFileSync(path.join(folder, `plate-${String(i).padStart(4, '0')}.csv`), `Well,Value\nA1,${i}\n`)
    expect((await local(['ingest', folder, '--json'])).code).to.equal(0)
    // The first file's second version: ingested last, so on the second page.
    appendFileSync(path.join(folder, 'plate-0000.csv'), 'A2,0\n')
    expect((await local(['ingest', folder, '--json'])).code).to.equal(0)

    const pushed = await push(['--to', 'prod'])
    expect(pushed.code, pushed.stderr).to.equal(0)
    expect(pushed.json).to.include({sent: files + 1, unchanged: before})
    const rows = (await pushedRows()).filter((r) => r.source_path.startsWith(folder + path.sep))
    expect(rows).to.have.length(files + 1)
    expect(new Set(rows.map((r) => r.file_id)).size).to.equal(files + 1)
    const first = rows.filter((r) => r.source_path.endsWith('plate-0000.csv')).sort((a, b) => a.version - b.version)
    expect(first.map((r) => [r.version, r.is_latest])).to.deep.equal([
      [1, false],
      [2, true],
    ])

    const again = await push(['--to', 'prod'])
    expect(again.json).to.include({sent: 0, unchanged: before + files + 1})
  })

  it('refuses a --from that is an aws profile or a file (USAGE), or names nothing (NOT_FOUND)', async () => {
    const aws = await profile.run(['push', '--from', 'prod', '--to', 'prod', '--json'])
    expect(aws.code).to.equal(2)
    expect(aws.json.error.message).to.include('profile "prod" is an aws profile')
    const file = path.join(TESTDATA, 'thermo_fisher_nanodrop_eight', nanodropFile())
    const notFolder = await profile.run(['push', '--from', file, '--to', 'prod', '--json'])
    expect(notFolder.code).to.equal(2)
    expect(notFolder.json.error).to.include({code: 'USAGE', message: `--from ${file} is neither a local profile nor a spool folder`})
    const neither = await profile.run(['push', '--from', 'no-such-thing', '--json'])
    expect(neither.code).to.equal(3)
    expect(neither.json.error).to.include({
      code: 'NOT_FOUND',
      message: '--from no-such-thing is neither a local profile nor a spool folder',
    })
  })
})

/** The first NanoDrop Eight export of the test data (not its expected document). */
function nanodropFile(): string {
  return readdirSync(path.join(TESTDATA, 'thermo_fisher_nanodrop_eight'))
    .sort()
    .find((name) => !name.endsWith('.json'))!
}
