import {createReadStream, readdirSync, readFileSync, rmSync, statSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {Upload} from '@aws-sdk/lib-storage'
import pLimit from 'p-limit'

import {AwsEndpoint} from '../test/support/aws/aws-endpoint.js'
import {createDatabase, PG_PASSWORD, startPostgres} from '../test/support/aws/postgres.js'
import {TestS3} from '../test/support/aws/s3-server.js'
import {generateLargeFile, generateSmallFiles} from './ingest.js'
import {MB, MiB, runCli, timed} from './support/measure.js'
import {benchTable} from './support/table.js'

const SMALL_FILES = Number(process.env.LABMESH_BENCH_SMALL_FILES ?? 3_000)
const LARGE_BYTES = Number(process.env.LABMESH_BENCH_LARGE_MIB ?? 256) * MiB
const CONCURRENCY = 64
const KMS_KEY = 'alias/labmesh-bench'

/**
 * Ingest into S3 on loopback (s3rver behind the test proxy; PostgreSQL for the records; Glue
 * answered by the recording endpoint) against a bare AWS SDK upload loop of the same files at the
 * same concurrency, with the same SSE-KMS headers, in the same run. Ingest does more per file
 * (sha256, conditional create with a checksum, records, lab.files): target >= 0.8x the bare loop.
 */
export default async function benchIngestS3(): Promise<void> {
  // The bare loop's client is built here, not through labmesh's config: silence the SDK's Node 22 notice the same way.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  const root = mkdtempSync(path.join(tmpdir(), 'labmesh-bench-s3-'))
  const s3 = await new TestS3().start()
  const aws = await new AwsEndpoint().start()
  aws.keys.set(KMS_KEY, {arn: 'arn:aws:kms:us-east-1:123456789012:key/bench', state: 'Enabled'})
  const postgres = await startPostgres()
  try {
    const small = path.join(root, 'small')
    const large = path.join(root, 'large')
    const smallBytes = generateSmallFiles(small, SMALL_FILES)
    generateLargeFile(path.join(large, 'big.bin'), LARGE_BYTES)
    const database = await createDatabase(postgres.port)
    const env = {
      ...s3.env(),
      ...aws.env(),
      PGPASSWORD: PG_PASSWORD,
      LABMESH_CONFIG_DIR: path.join(root, 'config'),
      LABMESH_CACHE_DIR: path.join(root, 'cache'),
    }
    await runCli(
      [
        'init',
        '--profile',
        'bench',
        '--backend',
        'aws',
        '--bucket',
        s3.bucket,
        '--kms-key-id',
        KMS_KEY,
        '--metadata-url',
        database.urlWithoutPassword,
        '--path-style',
        '--json',
      ],
      env,
    )
    const client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: {accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER'},
      requestChecksumCalculation: 'WHEN_REQUIRED',
    })
    const encryption = {ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: KMS_KEY, BucketKeyEnabled: true}

    const rows: (string | number)[][] = []
    for (const [name, source, bytes, files] of [
      ['small files', small, smallBytes, SMALL_FILES],
      ['large file', large, LARGE_BYTES, 1],
    ] as const) {
      const paths = walk(source)
      const limit = pLimit(CONCURRENCY)
      const bare = await timed(() =>
        Promise.all(
          paths.map((file, i) =>
            limit(async () => {
              const key = `bare/${name.replace(' ', '-')}/${i}`
              if (statSync(file).size > 64 * MiB) {
                await new Upload({
                  client,
                  params: {Bucket: s3.bucket, Key: key, Body: createReadStream(file), ...encryption},
                  partSize: 16 * MiB,
                  queueSize: 4,
                }).done()
              } else {
                await client.send(new PutObjectCommand({Bucket: s3.bucket, Key: key, Body: readFileSync(file), ...encryption}))
              }
            }),
          ),
        ),
      )
      const ingest = await runCli(['ingest', source, '--profile', 'bench', '--concurrency', String(CONCURRENCY), '--json'], env)
      const result = JSON.parse(ingest.stdout) as {ingested: number; failed: unknown[]}
      if (result.ingested !== files || result.failed.length > 0) throw new Error(`ingest stored ${result.ingested} of ${files} files`)
      const ratio = bare.seconds / ingest.seconds
      rows.push([
        name,
        files,
        (bytes / MB).toFixed(0),
        (files / ingest.seconds).toFixed(0),
        (bytes / MB / ingest.seconds).toFixed(2),
        (files / bare.seconds).toFixed(0),
        (bytes / MB / bare.seconds).toFixed(2),
        `${ratio.toFixed(2)} ${ratio >= 0.8 ? 'PASS' : 'LOW'}`,
        (ingest.peakRss / MB).toFixed(0),
      ])
    }
    client.destroy()
    const table = benchTable([
      'data',
      'files',
      'MB',
      'ingest files/s',
      'ingest MB/s',
      'bare SDK files/s',
      'bare SDK MB/s',
      'ingest / bare (>= 0.8)',
      'peak RSS MB',
    ])
    table.push(...rows)
    console.log(table.toString())
    console.log(
      `Loopback S3 (s3rver behind the test proxy), concurrency ${CONCURRENCY}. Ingest times include the CLI start, the records in PostgreSQL and the lab.files commit.`,
    )
  } finally {
    await postgres.stop()
    await aws.stop()
    await s3.stop()
    rmSync(root, {recursive: true, force: true})
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? walk(full) : [full]
  })
}
