import type {Backend, QueryEngine} from '../backends/types.js'
import {LabmeshError} from '../errors.js'

/** The backend's query engine, or UNSUPPORTED naming the backend. */
export function queryEngineOf(backend: Backend): QueryEngine {
  if (backend.query) return backend.query
  throw new LabmeshError('UNSUPPORTED', `the ${backend.name} backend cannot run queries yet`)
}
