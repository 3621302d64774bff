import {fileURLToPath} from 'node:url'

import {LabmeshError} from '../errors.js'
import {LocalLakeStorage} from './delta/local-storage.js'
import type {LakeStorage} from './delta/storage.js'

/** Opens a table's storage from its location, one opener per URL scheme (`file` for folders, `s3`...). */
export type StorageOpeners = Partial<Record<'file' | 's3', (location: string) => LakeStorage>>

/** The local opener: a folder, or a file: URL of one. */
export const localFolders: StorageOpeners = {
  file: (location) => new LocalLakeStorage(location.startsWith('file:') ? fileURLToPath(location) : location),
}

/**
 * The storage of a table location, chosen by its scheme as delta-rs chooses its object and log
 * stores: `s3://` (and Spark's `s3a://`) go to S3, paths and `file:` URLs to the filesystem. A
 * scheme the backend does not serve is refused, naming it.
 */
export function openByScheme(location: string, openers: StorageOpeners, backend: string): LakeStorage {
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)
  const scheme = match ? match[1].toLowerCase().replace(/^s3[an]$/, 's3') : 'file'
  const open = openers[scheme as keyof StorageOpeners]
  if (!open) {
    const served = Object.keys(openers).map((s) => (s === 'file' ? 'folders' : `${s}:// URLs`))
    throw new LabmeshError('UNSUPPORTED', `the ${backend} backend cannot open a table at ${location}`, {
      subject: location,
      suggestions: [`this backend opens ${served.join(' and ')}`],
    })
  }
  return open(scheme === 's3' ? location.replace(/^s3[an]?:\/\//i, 's3://').replace(/\/+$/, '') : location)
}
