import {stat} from 'node:fs/promises'

import {LabmeshError, toLabmeshError} from '../../errors.js'
import {decodeDataPath, tablePathSegments} from '../delta/paths.js'
import {assertReadable} from '../delta/protocol.js'
import type {Snapshot} from '../delta/snapshot.js'
import type {DeltaTable} from '../delta/table.js'

const URL_LOCATION = /^[a-z][a-z0-9+.-]*:\/\//i

/**
 * Checks a Delta table before it joins the catalog: a location holding a readable log whose every
 * active data file is inside the table (no absolute, `../` or `file:` path elsewhere; locally, no
 * link out of it either). A table needing reader features labmesh lacks is registered with a
 * warning: its log describes it, but queries of it fail until the feature is supported.
 */
export async function checkRegistrable(table: DeltaTable): Promise<{snapshot: Snapshot; warnings: string[]}> {
  const {location} = table.storage
  const local = !URL_LOCATION.test(location)
  if (local) await assertFolder(location)
  const snapshot = await table.snapshot()
  for (const file of snapshot.files) {
    try {
      const relative = decodeDataPath(file.path, snapshot.location)
      tablePathSegments(relative)
      // Locally the real path is checked too; on S3 a key cannot lead elsewhere, and resolving would download it.
      if (local) await table.storage.engine.localPath(relative)
    } catch (error) {
      const reason = toLabmeshError(error)
      throw new LabmeshError(
        'INVALID_DATA',
        `${location} is not registered: its log names a data file outside the table (${reason.message})`,
        {subject: file.path, cause: error, suggestions: ['register a table whose data files are inside its folder']},
      )
    }
  }
  try {
    assertReadable(snapshot.protocol, snapshot.metadata, location)
    return {snapshot, warnings: []}
  } catch (error) {
    return {
      snapshot,
      warnings: [`${toLabmeshError(error).message}: it is registered, but queries of it fail until labmesh supports them`],
    }
  }
}

async function assertFolder(location: string): Promise<void> {
  const info = await stat(location).catch((error: unknown) => {
    throw (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? new LabmeshError('NOT_FOUND', `${location} does not exist`, {subject: location})
      : toLabmeshError(error)
  })
  if (!info.isDirectory())
    throw new LabmeshError('INVALID_INPUT', `${location} is not a folder: a Delta table is a folder holding _delta_log`, {
      subject: location,
    })
}
