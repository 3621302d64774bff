import {expect} from 'chai'

import type {QueryColumn, QueryEngine, QueryRequest, QueryValue} from '../../src/backends/types.js'
import type {LabmeshError} from '../../src/errors.js'

/** Every row of a query, as the engine streams it. */
export async function rowsOf(engine: QueryEngine, request: QueryRequest): Promise<{columns: QueryColumn[]; rows: QueryValue[][]}> {
  return engine.query(request, async (result) => {
    const rows: QueryValue[][] = []
    for await (const page of result) rows.push(...page)
    return {columns: result.columns, rows}
  })
}

/** The LabmeshError a promise is refused with; fails the test when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<LabmeshError> {
  try {
    await promise
  } catch (error) {
    // By name: under mocha, tsx loads a test as CommonJS and the engine's own import as ESM, two copies of the class.
    expect((error as Error).name, String(error)).to.equal('LabmeshError')
    return error as LabmeshError
  }
  throw new Error('expected a refusal, but it succeeded')
}
