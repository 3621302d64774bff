import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import Table from 'cli-table3'

import {createLocalBackend} from '../src/backends/local/index.js'
import {ConverterRegistry} from '../src/converters/registry.js'
import {createKey} from '../src/keys/keys.js'
import {buildServer} from '../src/server/app.js'
import {queryMix} from './search.js'
import {labRecords} from './support/lab-records.js'

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
 * the same run. Target: search p99 under 50 ms.
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
    const queries = queryMix(200).map((q) => `/v1/files?limit=20&q=${encodeURIComponent(q.query)}`)

    const table = new Table({head: ['route', 'requests', 'req/s', 'vs /healthz', 'p50 ms', 'p99 ms', 'errors']})
    let floor = 0
    for (const [name, requests] of [
      ['GET /healthz', [{path: '/healthz'}]],
      ['GET /v1/files?q=... (search mix)', queries.map((p) => ({path: p, headers}))],
      [`GET /v1/files/{id}/content (${CONTENT_BYTES / 1024} KiB)`, [{path: `/v1/files/${content.fileId}/content`, headers}]],
    ] as const) {
      const result = await autocannon({url, connections: CONNECTIONS, duration: SECONDS, requests: [...requests]})
      const rate = result.requests.average
      if (floor === 0) floor = rate
      table.push([
        name,
        result.requests.total,
        rate.toFixed(0),
        `${(rate / floor).toFixed(2)}x`,
        result.latency.p50,
        result.latency.p99,
        result.non2xx + result.errors,
      ])
      if (name.includes('search'))
        console.log(
          `Search p99 ${result.latency.p99} ms: target < ${P99_TARGET_MS} ms ${result.latency.p99 < P99_TARGET_MS ? 'met' : 'MISSED'}`,
        )
    }
    await app.close()
    console.log(`${RECORDS} records, ${CONNECTIONS} connections, ${SECONDS} s per route`)
    console.log(table.toString())
  } finally {
    await backend.close()
    rmSync(home, {recursive: true, force: true})
  }
}
