import {readFileSync} from 'node:fs'

/**
 * labmesh's own version, from its package.json (one folder above src/ and dist/), for the places
 * that record what wrote them without an oclif config at hand: Delta commits, engineered documents.
 */
export const LABMESH_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {version: string})
  .version
