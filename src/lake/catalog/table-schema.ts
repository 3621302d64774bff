import type {TableSchema} from '../../backends/types.js'
import type {Snapshot} from '../delta/snapshot.js'

/** The schema a catalog keeps for a table, from its Delta snapshot. */
export function schemaOf(snapshot: Snapshot): TableSchema {
  return {columns: snapshot.schema.fields, partitionColumns: snapshot.partitionColumns}
}
