import {stat} from 'node:fs/promises'

import {LabmeshError, toLabmeshError} from '../../errors.js'
import {decodeDataPath} from '../delta/paths.js'
import {assertReadable} from '../delta/protocol.js'
import type {DeltaTable} from '../delta/table.js'

/**
 * Checks a Delta table before it joins the catalog: a folder holding a readable log whose every
 * active data file is inside the table (no absolute, `../` or `file:` path elsewhere, no link out
 * of it). A table needing reader features labmesh lacks is registered with a warning: its log
 * describes it, but queries of it fail until the feature is supported.
 */
export async function checkRegistrable(location: string, table: DeltaTable): Promise<{warnings: string[]}> {
  const info = await stat(location).catch((error: unknown) => {
    throw (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? new LabmeshError('NOT_FOUND', `${location} does not exist`, {subject: location})
      : toLabmeshError(error)
  })
  if (!info.isDirectory())
    throw new LabmeshError('INVALID_INPUT', `${location} is not a folder: a Delta table is a folder holding _delta_log`, {
      subject: location,
    })
  const snapshot = await table.snapshot()
  for (const file of snapshot.files) {
    try {
      await table.storage.localPath(decodeDataPath(file.path, snapshot.location))
    } catch (error) {
      const reason = toLabmeshError(error)
      throw new LabmeshError(
        'INVALID_DATA',
        `${location} is not registered: its log names a data file outside the table (${reason.message})`,
        {
          subject: file.path,
          cause: error,
          suggestions: ['register a table whose data files are inside its folder'],
        },
      )
    }
  }
  try {
    assertReadable(snapshot.protocol, snapshot.metadata, location)
    return {warnings: []}
  } catch (error) {
    return {warnings: [`${toLabmeshError(error).message}: it is registered, but queries of it fail until labmesh supports them`]}
  }
}
