import {mkdtempSync, rmSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'

import {createLocalBackend} from '../src/backends/local/index.js'
import {ConverterRegistry} from '../src/converters/registry.js'
import {createKey} from '../src/keys/keys.js'
import {buildServer} from '../src/server/app.js'
import {filesPage} from '../src/server/files-page.js'
import {queryMix} from './search.js'
import {labRecords} from './support/lab-records.js'
import {targetTable} from './support/measure.js'
import {benchTable} from './support/table.js'

const RECORDS = Number(process.env.LABMESH_BENCH_SERVE_RECORDS ?? 100_000)
const SECONDS = Number(process.env.LABMESH_BENCH_SERVE_SECONDS ?? 10)
const CONNECTIONS = 10
const P99_TARGET_MS = 50
const CONTENT_BYTES = 256 * 1024

/**
 * The API's benchmark: 100,000 generated records (as bench/search.ts), then autocannon on
 * loopback for a fixed time per route: `/healthz` (the server's own floor: no key, no backend),
 * `GET /v1/files?q=...` over the search benchmark's query mix, and `GET /v1/files/{id}/content` of
 * a 256 KiB object. Each route's throughput is also given as a ratio of the floor's, measured in
 * the same run, and the searches are first run in the process as the baseline of what HTTP adds.
 * Target: search p99 under 50 ms (one connection).
 */
export default async function benchServe(): Promise<void> {
  const home = mkdtempSync(path.join(tmpdir(), 'labmesh-bench-serve-'))
  const backend = createLocalBackend({home})
  try {
    const records = [...labRecords(RECORDS)]
    for (let i = 0; i < records.length; i += 256) {
      const failed = (await backend.metadata.insertFiles(records.slice(i, i + 256))).filter(Boolean)
      if (failed.length > 0) throw failed[0]
    }
    const object = await backend.objects.putBytes(Buffer.alloc(CONTENT_BYTES, 7))
    const content = {
      ...records[0],
      fileId: '00000000-0000-4000-8000-00000000c0de',
      sha256: object.sha256,
      size: object.size,
      sourcePath: '/bench/content.bin',
      version: 1,
    }
    await backend.metadata.insertFile(content)
    const {secret} = await createKey(backend.keys!, {name: 'bench', scopes: ['admin']})
    const app = await buildServer({backend, registry: await ConverterRegistry.load(), uploadLimit: 1024 ** 3, rateLimit: 1e9})
    const url = await app.listen({host: '127.0.0.1', port: 0})
    const headers = {authorization: `Bearer ${secret}`}
    const mix = queryMix(200)
    const queries = mix.map((q) => `/v1/files?limit=20&q=${encodeURIComponent(q.query)}`)

    // The same searches in the process, one at a time: what the API adds is measured against this.
    const inProcess: number[] = []
    for (const q of mix) {
      const start = process.hrtime.bigint()
      await filesPage(backend, {q: q.query, limit: 20})
      inProcess.push(Number(process.hrtime.bigint() - start) / 1e6)
    }
    inProcess.sort((a, b) => a - b)
    const at = (share: number): number => Math.round(inProcess[Math.min(inProcess.length - 1, Math.floor(share * inProcess.length))])
    console.log(`Search mix in the process (filesPage, serial): p50 ${at(0.5)} ms, p99 ${at(0.99)} ms (load average ${load()})`)

    const table = benchTable(['route', 'connections', 'requests', 'req/s', 'vs /healthz', 'p50 ms', 'p99 ms', 'errors'])
    let floor = 0
    let searchP99 = Number.NaN
    const search = queries.map((p) => ({path: p, headers}))
    for (const [name, connections, requests] of [
      ['GET /healthz', CONNECTIONS, [{path: '/healthz'}]],
      ['GET /v1/files?q=... (search mix)', 1, search],
      ['GET /v1/files?q=... (search mix)', CONNECTIONS, search],
      [`GET /v1/files/{id}/content (${CONTENT_BYTES / 1024} KiB)`, CONNECTIONS, [{path: `/v1/files/${content.fileId}/content`, headers}]],
    ] as const) {
      const result = await autocannon({url, connections, duration: SECONDS, requests: [...requests]})
      const rate = result.requests.average
      if (floor === 0) floor = rate
      table.push([
        name,
        connections,
        result.requests.total,
        rate.toFixed(0),
        `${(rate / floor).toFixed(2)}x`,
        result.latency.p50,
        result.latency.p99,
        result.non2xx + result.errors,
      ])
      if (name.includes('search') && connections === 1) searchP99 = result.latency.p99
    }
    await app.close()
    console.log(`${RECORDS} records, ${SECONDS} s per row; the search work is synchronous (SQLite), so more connections queue behind it`)
    console.log(table.toString())
    console.log(
      targetTable([
        {
          target: `GET /v1/files?q=... p99 < ${P99_TARGET_MS} ms, one connection, ${RECORDS.toLocaleString('en-US')} records`,
          measured: `${searchP99} ms (${(searchP99 / at(0.99)).toFixed(2)}x the search's p99 in the process; load average ${load()})`,
          met: searchP99 < P99_TARGET_MS,
        },
      ]),
    )
  } finally {
    await backend.close()
    rmSync(home, {recursive: true, force: true})
  }
}

/** The machine's load averages (1, 5 and 15 minutes): latency on shared cores is read beside them. */
function load(): string {
  return loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')
}
