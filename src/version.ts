import {createRequire} from 'node:module'

/**
 * labmesh's own version (package.json), for the places that record what wrote them without an oclif
 * config at hand: commitInfo's engineInfo, engineered documents, the AWS user agent.
 */
export const LABMESH_VERSION = (createRequire(import.meta.url)('../package.json') as {version: string}).version
