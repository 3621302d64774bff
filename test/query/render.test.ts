import {expect} from 'chai'

import {progressText, renderOutcome} from '../../src/query/render.js'
import type {QueryOutcome} from '../../src/query/run.js'

describe('query output for people', () => {
  it('shows the time so far and the rows written, or read, in the spinner', () => {
    expect(progressText(0, 0, {})).to.equal('Running query: 0.0 s (Ctrl-C cancels)')
    expect(progressText(2.34, 1_234_567, {percent: 40.7})).to.equal('Running query: 2.3 s · 1,234,567 rows · 40% (Ctrl-C cancels)')
    expect(progressText(5, 0, {rowsRead: 1, percent: 3})).to.equal('Running query: 5.0 s · 1 row read · 3% (Ctrl-C cancels)')
    expect(progressText(1.5, 0, {state: 'RUNNING', bytesScanned: 3 * 2 ** 30})).to.equal(
      'Running query: 1.5 s · running · 3.0 GiB scanned (Ctrl-C cancels)',
    )
  })

  it('says when the table view was cut at --limit', () => {
    const outcome: QueryOutcome = {
      columns: [
        {name: 'n', type: 'INTEGER'},
        {name: 'tags', type: 'VARCHAR[]'},
      ],
      rowCount: 2,
      rows: [
        {n: 1, tags: ['a']},
        {n: 2, tags: null},
      ],
      truncated: true,
      complete: false,
      elapsedSeconds: 0.5,
    }
    const layout = {kind: 'box', width: 80, colour: false} as const
    const cut = renderOutcome(outcome, layout)!
    expect(cut).to.include('["a"]')
    expect(cut.split('\n').at(-1)).to.equal('The first 2 rows; the result has more: raise --limit, or write them all with --out FILE.')
    expect(
      renderOutcome({...outcome, truncated: false}, layout)!
        .split('\n')
        .at(-1),
    ).to.equal('2 rows (0.50 s).')
    expect(renderOutcome({...outcome, rows: [], rowCount: 0, truncated: false}, layout)).to.equal('(no rows; columns: n, tags)')
    expect(renderOutcome({...outcome, rows: undefined}, layout), 'rows streamed to stdout need no words').to.equal(undefined)
  })

  it('adds bytes scanned and the cost after the result of an engine that bills by them, never after rows on stdout', () => {
    const statistics = {executionId: 'q-1', bytesScanned: 1.5 * 2 ** 30, costEstimateUsd: 0.0075}
    const shown: QueryOutcome = {
      columns: [{name: 'n', type: 'bigint'}],
      rowCount: 1,
      rows: [{n: 1}],
      complete: true,
      elapsedSeconds: 1,
      statistics,
    }
    expect(renderOutcome(shown, {kind: 'box', width: 80, colour: false})!.split('\n').at(-1)).to.equal(
      'Scanned 1.5 GiB, about USD 0.0075 (Athena query q-1).',
    )
    expect(renderOutcome({...shown, rows: undefined}, {kind: 'tsv', colour: false})).to.equal(undefined)
  })
})
