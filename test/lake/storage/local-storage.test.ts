import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {LocalLakeStorage} from '../../../src/lake/delta/local-storage.js'
import {storageContract} from './contract.js'

// Real files in a temporary folder.
storageContract('local folders', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'labmesh-storage-'))
  return {storage: new LocalLakeStorage(dir), remove: () => rm(dir, {recursive: true, force: true})}
})
