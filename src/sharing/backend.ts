import type {Backend, GrantStore, Lake} from '../backends/types.js'
import {LabmeshError} from '../errors.js'

/**
 * The parts of a backend the sharing commands use: its grant store, and the catalog grants are
 * checked against where labmesh checks them (locally; Lake Formation checks its own).
 */
export function sharingBackend(backend: Backend): {store: GrantStore; lake?: Lake} {
  if (!backend.grants) throw new LabmeshError('UNSUPPORTED', `the ${backend.name} backend cannot share tables yet`)
  return {store: backend.grants, lake: backend.name === 'local' ? backend : undefined}
}
