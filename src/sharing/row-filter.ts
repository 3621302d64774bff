import {withConnection} from '../lake/duckdb.js'
import {LabmeshError} from '../errors.js'

/**
 * Row filters are SQL conditions on one table's own columns (Lake Formation's data cells
 * filters take the same). Checked with DuckDB's own parser before they are stored: the filter,
 * set in `SELECT * FROM t WHERE (filter)`, must leave that statement exactly as it is but for
 * its WHERE clause, so a filter cannot close the parenthesis and add ORDER BY, UNION, GROUP BY
 * or a second statement, and it may not hold a subquery (which could read other tables).
 */

interface SerializedSelect {
  type: string
  modifiers: unknown[]
  cte_map: {map: unknown[]}
  select_list: {class: string}[]
  from_table: {type: string; table_name?: string; at_clause?: unknown; sample?: unknown}
  where_clause: unknown
  group_expressions: unknown[]
  group_sets: unknown[]
  having: unknown
  sample: unknown
  qualify: unknown
}

/** INVALID_INPUT unless `filter` is one condition; with `source` (the table as a relation), it must also bind to the table's columns. */
export async function checkRowFilter(filter: string, table: string, source?: string): Promise<void> {
  const problem = (what: string, cause?: unknown): LabmeshError =>
    new LabmeshError('INVALID_INPUT', `the row filter on ${table} ${what}: ${filter}`, {
      subject: filter,
      cause,
      suggestions: ["a condition on the table's columns, such as site = 'boston' AND absorbance > 0.5"],
    })
  await withConnection(async (connection) => {
    const reader = await connection.runAndReadAll('SELECT json_serialize_sql($sql::VARCHAR)', {
      sql: `SELECT * FROM t WHERE (\n${filter}\n)`,
    })
    const parsed = JSON.parse(String(reader.getRows()[0][0])) as {
      error: boolean
      error_message?: string
      statements?: {node: SerializedSelect}[]
    }
    if (parsed.error) throw problem(`is not a SQL condition (${parsed.error_message ?? 'syntax error'})`)
    const node = parsed.statements?.length === 1 ? parsed.statements[0].node : undefined
    const onlyWhere =
      node?.type === 'SELECT_NODE' &&
      node.modifiers.length === 0 &&
      node.cte_map.map.length === 0 &&
      node.select_list.length === 1 &&
      node.select_list[0].class === 'STAR' &&
      node.from_table.type === 'BASE_TABLE' &&
      node.from_table.table_name === 't' &&
      node.from_table.at_clause === null &&
      node.from_table.sample === null &&
      node.group_expressions.length === 0 &&
      node.group_sets.length === 0 &&
      node.having === null &&
      node.sample === null &&
      node.qualify === null
    if (!onlyWhere) throw problem('is not one condition')
    if (JSON.stringify(node.where_clause).includes('"class":"SUBQUERY"'))
      throw problem("may not hold a subquery: it filters on the table's own columns")
    if (source === undefined) return
    try {
      await connection.run(`EXPLAIN SELECT * FROM (SELECT * FROM (${source}) LIMIT 0) AS t WHERE (\n${filter}\n)`)
    } catch (error) {
      throw problem(`does not fit the table (${(error as Error).message.split('\n')[0]})`, error)
    }
  })
}
