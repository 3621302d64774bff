import {realpathSync} from 'node:fs'
import path from 'node:path'

import {isInside} from '../../files/contained.js'

/** The workspace folder (database, stored objects, temporary files) and its lake inside it. */
export interface WorkspaceFolders {
  home: string
  lake: string
}

// Links are followed: a link to a folder around the workspace opens the same files.
const real = (folder: string): string => {
  try {
    return realpathSync.native(folder)
  } catch {
    return path.resolve(folder)
  }
}

/**
 * Why queries must not read a table's folder, or undefined when they may: a query may read every
 * file under the folders of the tables it reads, so a folder that holds the workspace would open
 * its database and stored objects, and one inside the workspace but outside the lake its
 * stored or temporary files.
 */
export function workspaceExposure(location: string, workspace: WorkspaceFolders): string | undefined {
  // An s3:// table is read through the cache of its snapshot's files, never as a folder of this machine.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return undefined
  const folder = real(location)
  const home = real(workspace.home)
  if (isInside(home, folder))
    return `${location} holds the labmesh workspace (${workspace.home}): a query reading it could read the workspace database and stored files`
  if (isInside(folder, home) && !isInside(folder, real(workspace.lake)))
    return `${location} is inside the labmesh workspace (${workspace.home}) but outside its lake: a query reading it could read stored files`
  return undefined
}
