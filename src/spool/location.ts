import path from 'node:path'

import {defaultHome} from '../config/profiles.js'

/** The spool of a profile when `--spool` names none: beside the local workspaces, one folder per profile. */
export function defaultSpoolDir(profile: string): string {
  return path.join(process.env.LABMESH_HOME || defaultHome(), 'spool', profile)
}
