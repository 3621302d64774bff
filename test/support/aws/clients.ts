import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {sharedClientConfig, type SharedClientConfig} from '../../../src/backends/aws/client-config.js'
import {S3Facade} from '../../../src/backends/aws/s3.js'
import {S3LakeStorage} from '../../../src/backends/aws/s3-lake-storage.js'
import type {TestS3} from './s3-server.js'

export const TEST_KMS_KEY = 'alias/labmesh-test'

/** The backend's own client configuration, pointed at a local endpoint with the test server's credentials. */
export async function testClientConfig(endpoint: string): Promise<SharedClientConfig> {
  const config = await sharedClientConfig({region: 'us-east-1'})
  return {...config, endpoint, credentials: async () => ({accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER'})}
}

export async function testS3Facade(s3: TestS3): Promise<S3Facade> {
  return S3Facade.create(await testClientConfig(s3.endpoint), {bucket: s3.bucket, kmsKeyId: TEST_KMS_KEY, pathStyle: true})
}

/** A table location on the test S3 server with a cache folder of its own. */
export async function testS3Storage(
  s3: TestS3,
  location: string,
): Promise<{storage: S3LakeStorage; cacheDir: string; remove(): Promise<void>}> {
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'labmesh-s3-cache-'))
  const facade = await testS3Facade(s3)
  return {
    storage: new S3LakeStorage(facade, location, {cacheDir}),
    cacheDir,
    async remove() {
      facade.destroy()
      rmSync(cacheDir, {recursive: true, force: true})
    },
  }
}

/** Copies a folder (a Delta table some other engine wrote) to `prefix` on the test S3 server, keys in `/` form. */
export async function uploadFolder(s3: TestS3, source: string, prefix: string): Promise<void> {
  const facade = await testS3Facade(s3)
  try {
    for (const entry of readdirSync(source, {recursive: true, withFileTypes: true})) {
      if (!entry.isFile()) continue
      const file = path.join(entry.parentPath, entry.name)
      await facade.put({key: `${prefix}/${path.relative(source, file).split(path.sep).join('/')}`, body: readFileSync(file)})
    }
  } finally {
    facade.destroy()
  }
}
