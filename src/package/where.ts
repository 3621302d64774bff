import {isDeepStrictEqual} from 'node:util'

import {LabmeshError} from '../errors.js'
import {quoteLiteral, withConnection} from '../lake/duckdb.js'

interface SerializedSql {
  error?: boolean
  error_message?: string
  statements?: {node: Record<string, unknown>}[]
}

/**
 * `SELECT ... WHERE (condition)`, refused unless DuckDB's parser reads `condition` as the WHERE
 * clause and nothing else: text that closes the parenthesis and goes on (`1=1) UNION ALL SELECT
 * ...`) would still run contained, but the package would record SQL that means something other
 * than it says. Parsing has no effects; the query itself runs in the query engine.
 */
export async function selectWhere(select: string, condition: string): Promise<string> {
  // The condition goes on lines of its own, so a trailing -- comment in it cannot swallow the closing parenthesis.
  const sql = `${select} WHERE (\n${condition}\n)`
  const [parsed, base] = await withConnection(async (connection) =>
    Promise.all(
      [sql, select].map(async (text) => {
        const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(text)})`)
        return JSON.parse(String(reader.getRows()[0][0])) as SerializedSql
      }),
    ),
  )
  if (parsed.error) throw new LabmeshError('INVALID_INPUT', `--where does not parse: ${parsed.error_message}`, {subject: condition})
  const node = parsed.statements?.length === 1 ? parsed.statements[0].node : undefined
  const expected = base.statements?.[0]?.node
  if (!node?.where_clause || !expected || !isDeepStrictEqual({...node, where_clause: null}, {...expected, where_clause: null})) {
    throw new LabmeshError('INVALID_INPUT', "--where must be one condition on the table's columns; this text changes the query around it", {
      subject: condition,
      suggestions: [
        '--where "absorbance > 0.5 AND list_contains(labels, \'site=boston\')"',
        'for anything else, write the whole query: labmesh query "..." --package DIR',
      ],
    })
  }
  return sql
}
