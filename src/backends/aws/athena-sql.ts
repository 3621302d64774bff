import {LabmeshError} from '../../errors.js'
import {tokens} from '../local/query-sql.js'
import type {QueryParamValue, QueryRows} from '../types.js'

/**
 * A statement as Athena receives it, made from labmesh's SQL before anything is sent: checked to
 * be one query (the rule of the local engine: SELECT, WITH, VALUES, TABLE, DESCRIBE, SHOW, EXPLAIN
 * over a query; DDL, INSERT, CTAS and UNLOAD are refused), `$name` parameters turned into Athena's
 * positional `?` with their values as ExecutionParameters, and `database.table` names pointed at
 * their Glue databases (`lab.files` is `<prefix>lab.files`).
 */
export interface AthenaStatement {
  sql: string
  /** SQL literals, one per `?` in order. */
  parameters: string[]
  kind: QueryRows['kind']
  /** The query itself: the statement under EXPLAIN, else the statement. */
  query: string
}

export interface AthenaNames {
  /** Glue databases are named `<prefix><database>`. */
  prefix: string
  /** labmesh database -> its tables, to tell `lab.files` (renamed) from `alias.column` (left alone). */
  tables: Map<string, Set<string>>
}

const ALLOWED = 'only queries run here (SELECT, WITH, VALUES, TABLE, DESCRIBE, SHOW, EXPLAIN)'
const REFUSED_SUGGESTION = 'labmesh query only reads; tables change through `labmesh convert` and the `catalog` and `lake` commands'
const QUERY_WORDS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'DESCRIBE', 'SHOW'])
const EXPLAINABLE = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE'])
const PARAMETER = /^\$([A-Za-z_]\w*|\d+)$/

interface Piece {
  kind: 'space' | 'comment' | 'word' | 'semicolon' | 'other'
  text: string
}

const refused = (what: string): LabmeshError => new LabmeshError('FORBIDDEN', `${ALLOWED}; ${what}`, {suggestions: [REFUSED_SUGGESTION]})

export function athenaStatement(sql: string, params: Record<string, QueryParamValue>, names: AthenaNames): AthenaStatement {
  const pieces: Piece[] = [...tokens(sql)].map((t) => ({kind: t.kind, text: sql.slice(t.start, t.end)}))
  const significant = pieces.filter((p) => p.kind !== 'space' && p.kind !== 'comment')
  const end = significant.findIndex((p) => p.kind === 'semicolon')
  const statement = end === -1 ? significant : significant.slice(0, end)
  if (statement.length === 0) throw new LabmeshError('USAGE', 'there is no SQL statement to run')
  if (end !== -1 && significant.slice(end).some((p) => p.kind !== 'semicolon'))
    throw new LabmeshError('INVALID_INPUT', 'run one statement at a time; this SQL has more than one')

  const word = (i: number): string | undefined => (statement[i]?.kind === 'word' ? statement[i].text.toUpperCase() : undefined)
  let first = 0
  let kind: QueryRows['kind'] = 'rows'
  if (word(0) === 'EXPLAIN') {
    kind = 'plan'
    first = 1
    if (word(first) === 'ANALYZE') first++
    // EXPLAIN (TYPE IO, FORMAT JSON) ...: the options in parentheses.
    if (statement[first]?.text === '(' && ['TYPE', 'FORMAT'].includes(word(first + 1) ?? '')) {
      while (first < statement.length && statement[first].text !== ')') first++
      first++
    }
    if (!EXPLAINABLE.has(word(first) ?? '')) throw refused('EXPLAIN is allowed over a query only, written EXPLAIN [ANALYZE] SELECT ...')
  } else if (!QUERY_WORDS.has(word(0) ?? '') && statement[0].text !== '(') {
    throw refused(
      `a statement starting with ${statement[0].kind === 'word' ? statement[0].text.toUpperCase() : statement[0].text} is refused`,
    )
  }

  const used: string[] = []
  const out = pieces.map((piece, i) => {
    if (piece.kind === 'other' && piece.text === '?')
      throw new LabmeshError('USAGE', 'write parameters as $name and give them with --param name=value', {
        suggestions: ['SELECT * FROM lab.files WHERE size > $min --param min=1000'],
      })
    const parameter = piece.kind === 'other' ? PARAMETER.exec(piece.text) : null
    if (parameter) {
      used.push(parameter[1])
      return '?'
    }
    return renamedDatabase(pieces, i, names) ?? piece.text
  })
  const missing = [...new Set(used.filter((name) => !(name in params)))]
  if (missing.length > 0) {
    throw new LabmeshError('INVALID_INPUT', `the query uses ${missing.map((n) => `$${n}`).join(', ')} but no value was given`, {
      suggestions: missing.map((n) => `--param ${n}=VALUE`),
    })
  }
  const unused = Object.keys(params).filter((name) => !used.includes(name))
  if (unused.length > 0) {
    throw new LabmeshError('INVALID_INPUT', `parameter ${unused.join(', ')} is not used by the query`, {
      suggestions: ['write $NAME in the SQL where the value goes'],
    })
  }
  const firstPiece = pieces.indexOf(statement[first])
  const lastPiece = pieces.indexOf(statement.at(-1)!)
  return {
    sql: out
      .slice(0, lastPiece + 1)
      .join('')
      .trim(),
    parameters: used.map((name) => sqlLiteral(params[name])),
    kind,
    query: out.slice(firstPiece, lastPiece + 1).join(''),
  }
}

/**
 * A parameter value as the SQL literal Athena binds: a canonical decimal number as a number (so
 * `size > $min` compares numbers, as DuckDB's cast does), anything else as a string literal with
 * its quotes doubled (a value can never end the literal it sits in).
 */
export function sqlLiteral(value: QueryParamValue): string {
  if (value === null) return 'NULL'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new LabmeshError('INVALID_INPUT', `${value} is not a number Athena can take`)
    return String(value)
  }
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(value)) return value
  return `'${value.replaceAll("'", "''")}'`
}

/** The Glue name of a `database` in `database.table`, or undefined when this piece is no such database name. */
function renamedDatabase(pieces: Piece[], i: number, names: AthenaNames): string | undefined {
  if (names.prefix === '') return undefined
  const database = identifier(pieces[i])
  if (database === undefined || !names.tables.has(database)) return undefined
  const near = (from: number, step: number): Piece | undefined => {
    for (let j = from + step; j >= 0 && j < pieces.length; j += step)
      if (pieces[j].kind !== 'space' && pieces[j].kind !== 'comment') return pieces[j]
    return undefined
  }
  const dot = pieces.indexOf(near(i, 1)!)
  if (near(i, -1)?.text === '.' || pieces[dot]?.text !== '.') return undefined
  const table = identifier(near(dot, 1))
  if (table === undefined || !names.tables.get(database)!.has(table)) return undefined
  return `"${names.prefix}${database}"`
}

/** A bare or "quoted" identifier's name as Glue keeps it (lower case); undefined for other pieces. */
function identifier(piece: Piece | undefined): string | undefined {
  if (piece?.kind === 'word') return piece.text.toLowerCase()
  if (piece?.kind === 'other' && piece.text.length > 2 && piece.text.startsWith('"') && piece.text.endsWith('"'))
    return piece.text.slice(1, -1).replaceAll('""', '"').toLowerCase()
  return undefined
}
