import {randomUUID} from 'node:crypto'
import {rename, rm} from 'node:fs/promises'
import path from 'node:path'
import {type DuckDBConnection, type DuckDBPreparedStatement, type DuckDBResult, DuckDBTypeId, StatementType} from '@duckdb/node-api'

import {LabmeshError} from '../../errors.js'
import {tableSuggestions} from '../../lake/catalog/table-ref.js'
import type {ExportFormat, ExportTarget, GrantStore, Lake, QueryColumn, QueryParamValue, QueryRequest, QueryRows} from '../types.js'
import {quoteLiteral} from '../../lake/duckdb.js'
import {openQuerySession, type QuerySession} from './query-session.js'
import {hasWord, leadingToken, withoutTerminator} from './query-sql.js'
import {encodedSelect, queryValueConverter} from './query-values.js'

/**
 * How the local query engine runs statements: each in its own locked-down DuckDB session
 * (query-session.ts), after DuckDB's parser says it is a query. Results stream a chunk at a
 * time; exports are a DuckDB COPY into a partial file, the only file the session may write,
 * renamed into place once complete.
 */

export interface DuckDbQueryEngineOptions {
  lake: Lake
  /** The workspace's lake folder. */
  lakeRoot: string
  /** Where DuckDB spills what does not fit in memory. */
  tempDir: string
  /** The grants a request's `principal` is held to. */
  grants?: GrantStore
}

interface CheckedStatement {
  prepared: DuckDBPreparedStatement
  kind: QueryRows['kind']
  columns: QueryColumn[]
  /** DuckDB's type of each column, as exports encode them. */
  typeIds: DuckDBTypeId[]
}

const COPY_OPTIONS: Record<ExportFormat, string> = {
  csv: 'FORMAT csv, HEADER true',
  // A literal tab: COPY options take constants only.
  tsv: "FORMAT csv, HEADER true, DELIMITER '\t'",
  json: 'FORMAT json, ARRAY true',
  jsonl: 'FORMAT json',
  parquet: 'FORMAT parquet, COMPRESSION zstd',
}

const PROGRESS_INTERVAL_MS = 250

function open(options: DuckDbQueryEngineOptions, request: QueryRequest, writable?: string): Promise<QuerySession> {
  if (request.signal?.aborted) return Promise.reject(cancelled())
  return openQuerySession({
    lake: options.lake,
    lakeRoot: options.lakeRoot,
    tempDir: options.tempDir,
    asOf: request.asOf,
    writable,
    tables: request.tables,
    principal: request.principal,
    grants: options.grants,
  })
}

export async function runStatement<T>(
  options: DuckDbQueryEngineOptions,
  request: QueryRequest,
  consume: (rows: QueryRows) => Promise<T>,
): Promise<T> {
  const session = await open(options, request)
  const stopWatching = watch(session.connection, request)
  try {
    const statement = await checkStatement(session, request)
    const result = await sqlStep(session, request, () => statement.prepared.stream())
    const rows: QueryRows = {
      columns: statement.columns,
      kind: statement.kind,
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const chunk = await sqlStep(session, request, () => result.fetchChunk())
          if (!chunk || chunk.rowCount === 0) return
          yield chunk.convertRows(queryValueConverter)
        }
      },
    }
    return await consume(rows)
  } finally {
    stopWatching()
    session.close()
  }
}

export async function exportStatement(
  options: DuckDbQueryEngineOptions,
  request: QueryRequest,
  target: ExportTarget,
): Promise<{columns: QueryColumn[]; rows: number}> {
  const partial = path.join(path.dirname(target.path), `.${path.basename(target.path)}.${randomUUID()}.partial`)
  const session = await open(options, request, partial)
  const stopWatching = watch(session.connection, request)
  try {
    const statement = await checkStatement(session, request)
    if (statement.kind === 'plan') throw new LabmeshError('USAGE', 'EXPLAIN shows a plan on screen; it cannot be written to a file')
    statement.prepared.destroySync()
    const query = withoutTerminator(request.sql)
    const encoded = encodedSelect(
      query,
      statement.columns.map((c, i) => ({name: c.name, typeId: statement.typeIds[i]})),
      target.format,
    )
    const copy = await prepareCopy(
      session,
      request,
      `COPY (\n${encoded.sql}\n) TO ${quoteLiteral(partial)} (${COPY_OPTIONS[target.format]})`,
    )
    const reader = await sqlStep(session, request, () => copy.runAndReadAll())
    await rename(partial, target.path)
    return {columns: statement.columns.map((c, i) => ({name: encoded.names[i], type: c.type})), rows: Number(reader.getRows()[0][0])}
  } catch (error) {
    await rm(partial, {force: true})
    throw error
  } finally {
    stopWatching()
    session.close()
  }
}

/** Parses, prepares and binds the request's one statement, refusing anything but a query. */
export async function checkStatement(session: QuerySession, request: QueryRequest): Promise<CheckedStatement> {
  if (withoutTerminator(request.sql) === '') throw new LabmeshError('USAGE', 'there is no SQL statement to run')
  const {connection} = session
  // Parsing has no effects, and syntax errors read best as DuckDB reports them.
  const extracted = await sqlStep(session, request, () => connection.extractStatements(request.sql))
  if (extracted.count > 1 && hasWord(request.sql, 'PIVOT')) {
    // DuckDB runs a PIVOT that does not list its values as two statements, the first creating a type.
    throw new LabmeshError(
      'INVALID_INPUT',
      'a PIVOT here names the values it turns into columns (a read-only query cannot create the type that finding them needs)',
      {
        suggestions: ["PIVOT lab.files ON technique IN ('plate reader', 'qpcr') USING count(*)"],
      },
    )
  }
  if (extracted.count > 1) throw new LabmeshError('INVALID_INPUT', `run one statement at a time; this SQL has ${extracted.count}`)
  const explained = explainedStatement(request.sql)
  screen(explained ?? request.sql, explained !== undefined)
  const prepared = await sqlStep(session, request, () => extracted.prepare(0))
  const kind = await statementKind(session, prepared.statementType, explained)
  bindParameters(prepared, request.params ?? {})
  return {prepared, kind, ...(await columnsOf(session, request, prepared))}
}

/**
 * The statement's columns. Where a parameter's type depends on its value (`SELECT $x`), DuckDB
 * settles the statement's columns, their types and even their number, only when it runs with its
 * values bound: they are read from a streaming run then, which computes nothing until rows are fetched.
 */
async function columnsOf(
  session: QuerySession,
  request: QueryRequest,
  prepared: DuckDBPreparedStatement,
): Promise<Pick<CheckedStatement, 'columns' | 'typeIds'>> {
  const settled = (): boolean => {
    try {
      for (let i = 1; i <= prepared.parameterCount; i++) if (prepared.parameterTypeId(i) === DuckDBTypeId.INVALID) return false
      for (let i = 0; i < prepared.columnCount; i++) prepared.columnType(i)
      return true
    } catch {
      return false
    }
  }
  const source: Pick<DuckDBResult, 'columnCount' | 'columnName' | 'columnType' | 'columnTypeId'> = settled()
    ? prepared
    : await sqlStep(session, request, () => prepared.stream())
  const indexes = Array.from({length: source.columnCount}, (_, i) => i)
  return {
    columns: indexes.map((i) => ({name: source.columnName(i), type: source.columnType(i).toString()})),
    typeIds: indexes.map((i) => source.columnTypeId(i)),
  }
}

const ALLOWED = 'only queries run here (SELECT, WITH, VALUES, DESCRIBE, SHOW, EXPLAIN)'
const REFUSED_SUGGESTION = 'labmesh query only reads; tables change through `labmesh convert` and the `catalog` and `lake` commands'

// The words a query starts with. Preparing a statement binds it, and binding some statements
// already writes (EXPORT DATABASE creates its folder), so a statement that cannot be a query is
// refused before DuckDB prepares it. Whether it is a query stays DuckDB's call (statementKind).
const QUERY_WORDS = new Set([
  'SELECT',
  'WITH',
  'VALUES',
  'FROM',
  'TABLE',
  'DESCRIBE',
  'DESC',
  'SHOW',
  'SUMMARIZE',
  'PIVOT',
  'UNPIVOT',
  'PIVOT_WIDER',
  'PIVOT_LONGER',
])

/** The statement under EXPLAIN [ANALYZE], or undefined when `sql` is no EXPLAIN. */
function explainedStatement(sql: string): string | undefined {
  const explain = leadingToken(sql)
  if (explain?.text !== 'EXPLAIN') return undefined
  const next = leadingToken(sql, explain.rest)
  return sql.slice(next?.text === 'ANALYZE' || next?.text === 'ANALYSE' ? next.rest : explain.rest)
}

/** Refuses a statement whose first word no query starts with; a parenthesised query is fine, except under EXPLAIN. */
function screen(sql: string, explained: boolean): void {
  const first = leadingToken(sql)
  if (first && (first.word ? QUERY_WORDS.has(first.text) : first.text === '(' && !explained)) return
  const what = explained
    ? 'EXPLAIN is allowed over a query only, written EXPLAIN [ANALYZE] SELECT ...'
    : `a statement starting with ${first?.text ?? 'this'} is refused`
  throw new LabmeshError('FORBIDDEN', `${ALLOWED}; ${what}`, {suggestions: [REFUSED_SUGGESTION]})
}

/**
 * What DuckDB's parser says the statement is. DESCRIBE, SHOW, SUMMARIZE and VALUES parse as
 * SELECT. EXPLAIN ANALYZE executes the statement it explains, so EXPLAIN passes only when the
 * statement under it is itself a SELECT.
 */
async function statementKind(session: QuerySession, type: StatementType, explained: string | undefined): Promise<QueryRows['kind']> {
  const refused = (what: string): LabmeshError => new LabmeshError('FORBIDDEN', `${ALLOWED}; ${what}`, {suggestions: [REFUSED_SUGGESTION]})
  if (type === StatementType.SELECT && explained === undefined) return 'rows'
  if (type !== StatementType.EXPLAIN || explained === undefined)
    throw refused(`${StatementType[type] ?? 'this kind of'} statements are refused`)
  let innerType: StatementType | undefined
  try {
    const extracted = await session.connection.extractStatements(explained)
    const inner = extracted.count === 1 ? await extracted.prepare(0) : undefined
    innerType = inner?.statementType
    inner?.destroySync()
  } catch {
    innerType = undefined
  }
  if (innerType !== StatementType.SELECT) throw refused('EXPLAIN is allowed over a query only, written EXPLAIN [ANALYZE] SELECT ...')
  return 'plan'
}

/** Binds every `$name` of the statement from `params`; a missing or an unused parameter is an error (a typo otherwise goes unseen). */
function bindParameters(prepared: DuckDBPreparedStatement, params: Record<string, QueryParamValue>): void {
  const names = Array.from({length: prepared.parameterCount}, (_, i) => prepared.parameterName(i + 1))
  const missing = names.filter((name) => !(name in params))
  if (missing.length > 0) {
    throw new LabmeshError('INVALID_INPUT', `the query uses ${missing.map((n) => `$${n}`).join(', ')} but no value was given`, {
      suggestions: missing.map((n) => `--param ${n}=VALUE`),
    })
  }
  const unused = Object.keys(params).filter((name) => !names.includes(name))
  if (unused.length > 0) {
    throw new LabmeshError(
      'INVALID_INPUT',
      `parameter ${unused.join(', ')} is not used by the query${names.length > 0 ? ` (it uses ${names.map((n) => `$${n}`).join(', ')})` : ''}`,
      {
        suggestions: ['write $NAME in the SQL where the value goes'],
      },
    )
  }
  // Strings are bound as VARCHAR and cast by DuckDB to the type the statement needs at that place.
  if (names.length > 0) prepared.bind(Object.fromEntries(names.map((name) => [name, params[name]])))
}

/**
 * Prepares the COPY that writes an export. The user's statement is nested as text, so the whole
 * must still parse as exactly one COPY; it can only write the session's one writable file anyway.
 */
export async function prepareCopy(session: QuerySession, request: QueryRequest, sql: string): Promise<DuckDBPreparedStatement> {
  const extracted = await sqlStep(session, request, () => session.connection.extractStatements(sql))
  const prepared = extracted.count === 1 ? await sqlStep(session, request, () => extracted.prepare(0)) : undefined
  if (prepared?.statementType !== StatementType.COPY) {
    throw new LabmeshError('INVALID_INPUT', 'this statement cannot be written to a file as it is')
  }
  bindParameters(prepared, request.params ?? {})
  return prepared
}

/** Interrupts the statement when the request is aborted, and reports progress while it runs. */
function watch(connection: DuckDBConnection, request: QueryRequest): () => void {
  const interrupt = (): void => connection.interrupt()
  request.signal?.addEventListener('abort', interrupt)
  const report = request.onProgress
  const timer = report
    ? setInterval(() => {
        const progress = connection.progress
        report({
          percent: progress.percentage >= 0 ? progress.percentage : undefined,
          rowsRead: progress.rows_processed > 0 ? Number(progress.rows_processed) : undefined,
        })
      }, PROGRESS_INTERVAL_MS)
    : undefined
  return () => {
    request.signal?.removeEventListener('abort', interrupt)
    clearInterval(timer)
  }
}

/** Runs one DuckDB call, turning its errors into LabmeshErrors that keep DuckDB's message (and the position it shows). */
async function sqlStep<T>(session: QuerySession, request: QueryRequest, step: () => Promise<T>): Promise<T> {
  // A cancel that came before this step started has no statement to interrupt yet.
  if (request.signal?.aborted) throw cancelled()
  try {
    return await step()
  } catch (error) {
    throw queryError(error, session, request)
  }
}

function cancelled(): LabmeshError {
  return new LabmeshError('CANCELLED', 'the query was cancelled; nothing was written')
}

function queryError(error: unknown, session: QuerySession, request: QueryRequest): LabmeshError {
  if (error instanceof LabmeshError) return error
  // The client prefixes parse errors with its own words; DuckDB's message follows.
  const message = (error instanceof Error ? error.message : String(error)).replace(/^Failed to extract statements: /, '')
  if (request.signal?.aborted || message.startsWith('INTERRUPT Error')) return cancelled()
  if (message.startsWith('Permission Error')) {
    return new LabmeshError('FORBIDDEN', `a query reads the lake's tables and nothing else: ${message}`, {
      cause: error,
      suggestions: [
        'name tables as database.table (`labmesh catalog list`); add Delta tables kept elsewhere with `labmesh catalog register`',
      ],
    })
  }
  const missing = /^Catalog Error: Table with name (\S+) does not exist/.exec(message)
  if (missing) {
    // DuckDB quotes the name when its schema is missing too (a database whose every table is unreadable).
    const name = missing[1].replace(/^"(.*)"$/, '$1')
    // DuckDB names the table without its database, as the SQL spells it (names match whatever their case):
    // of the unreadable tables of that name, the one the SQL names.
    const wanted = name.toLowerCase()
    const broken = [...session.unreadable].filter(([table]) => {
      const lower = table.toLowerCase()
      return lower === wanted || lower.endsWith(`.${wanted}`)
    })
    const sql = request.sql.replaceAll('"', '').toLowerCase()
    const named =
      broken.find(([table]) => sql.includes(table.toLowerCase())) ?? broken.find(([table]) => table.startsWith('lab.')) ?? broken[0]
    if (named) return named[1]
    return new LabmeshError('NOT_FOUND', message, {cause: error, subject: name, suggestions: tableSuggestions(session.tables, name)})
  }
  if (/^(IO|Out of Memory|FATAL|INTERNAL) Error/.test(message)) return new LabmeshError('BACKEND', message, {cause: error})
  // Parameters are bound as text: where an operator could take several types, DuckDB needs the one meant.
  const names = Object.keys(request.params ?? {})
  const untyped = names.length > 0 && /explicit type cast|Could not choose a best candidate/i.test(message)
  return new LabmeshError('INVALID_INPUT', message, {
    cause: error,
    suggestions: untyped ? [`give the parameter its type where the SQL cannot tell it: $${names[0]}::INTEGER, ::DOUBLE, ::DATE ...`] : [],
  })
}
