import {createRequire} from 'node:module'

/** labmesh's own version (package.json), for commitInfo's engineInfo and the AWS user agent. */
export const LABMESH_VERSION = (createRequire(import.meta.url)('../package.json') as {version: string}).version
