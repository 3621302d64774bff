import {type Backend, QUERY_ENGINES, type QueryEngine, type QueryEngineName} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {choiceFlag} from '../flags/choice.js'
import {sizeFlag} from '../flags/size.js'

/** The flags `query` and `package pull` share to choose where SQL runs and what it may cost. */
export const engineFlags = {
  engine: choiceFlag(QUERY_ENGINES)({
    description:
      "The engine: the profile's own by default (DuckDB locally, Athena on aws); duckdb on an aws profile reads the tables' snapshots from S3 into a local cache (time travel, no Athena cost, re-runs offline).",
  }),
  'max-scan': sizeFlag({
    description: 'Refuse a query that would scan more than this (e.g. 10GB), on engines that bill by bytes scanned (Athena).',
  }),
}

/** The backend's engine named by --engine, else its own. */
export function queryEngineOf(backend: Backend, name?: QueryEngineName): QueryEngine {
  const engine = name === undefined ? backend.query : backend.queryEngines?.[name]
  if (engine) return engine
  const available = Object.keys(backend.queryEngines ?? {})
  throw new LabmeshError('UNSUPPORTED', `the ${backend.name} backend cannot run queries${name ? ` on ${name}` : ' yet'}`, {
    suggestions: available.length > 0 ? [`--engine ${available.join(' or --engine ')}`] : [],
  })
}
