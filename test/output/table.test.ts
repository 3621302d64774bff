import {expect} from 'chai'
import stringWidth from 'string-width'

import {fitColumns, renderRecord, renderTable, tsvField} from '../../src/output/table.js'
import {canAnimate, terminalWidth} from '../../src/output/terminal.js'

const box = (width?: number) => ({kind: 'box', width, colour: false}) as const
const widest = (text: string): number => Math.max(...text.split('\n').map((line) => stringWidth(line)))

describe('tables', () => {
  const head = ['file', 'source', 'metadata']
  const rows = [
    ['3f2a9c1e', '/data/exports/'.repeat(12) + 'plate.csv', 'instrument=perkin-elmer-envision, technique=plate reader, sample=S-001'],
    ['9b1c44d0', 'short.csv', null],
  ]

  it('fit the width they are given, cutting long cells with an ellipsis', () => {
    for (const width of [40, 60, 80, 120]) {
      const text = renderTable(head, rows, box(width))
      expect(widest(text), `width ${width}`).to.be.at.most(width)
      expect(text).to.include('…')
      expect(text).to.include('3f2a9c1e')
    }
  })

  it('leave out the last columns, and say so, when even narrowed columns do not fit', () => {
    const many = Array.from({length: 20}, (_, i) => `column_${i}`)
    const text = renderTable(many, [many.map((c) => `${c} value`)], box(60))
    expect(widest(text)).to.be.at.most(60)
    expect(text).to.match(/\n\(\d+ more columns: --wide\)$/)
  })

  it('keep whole cells with --wide (no width)', () => {
    const text = renderTable(head, rows, box(undefined))
    expect(text).not.to.include('…')
    expect(text).to.include('/data/exports/'.repeat(12) + 'plate.csv')
  })

  it('are tab-separated rows under a header down a pipe, with tabs and line breaks escaped', () => {
    const text = renderTable(
      ['a', 'b'],
      [
        ['x\ty', 'line 1\nline 2'],
        [null, 'back\\slash'],
      ],
      {kind: 'tsv', colour: false},
    )
    expect(text).to.equal('a\tb\nx\\ty\tline 1\\nline 2\n\tback\\\\slash')
    expect(renderTable(['a', 'b'], [], {kind: 'tsv', colour: false})).to.equal('a\tb')
    expect(tsvField('\r')).to.equal('\\r')
  })

  it('narrow the widest columns first and share what is left', () => {
    expect(fitColumns([4, 50, 50], 60)).to.deep.equal({widths: [4, 23, 23], shown: 3})
    expect(fitColumns([4, 10, 50], 60)).to.deep.equal({widths: [4, 10, 36], shown: 3})
    expect(fitColumns([4, 10], 60)).to.deep.equal({widths: [4, 10], shown: 2})
    expect(fitColumns([40, 40], undefined)).to.deep.equal({widths: [40, 40], shown: 2})
  })

  it('wrap long values of a record instead of cutting them', () => {
    const sha256 = 'ab'.repeat(32)
    const text = renderRecord(
      [
        ['sha256', sha256],
        ['labels', 'site=boston, assay=elisa, operator=someone with a long name'],
      ],
      box(40),
    )
    expect(widest(text)).to.be.at.most(40)
    expect(text.replace(/[^0-9a-f]/g, '')).to.include(sha256)
    expect(renderRecord([['sha256', sha256]], {kind: 'tsv', colour: false})).to.equal(`field\tvalue\nsha256\t${sha256}`)
  })
})

describe('terminals', () => {
  it('take COLUMNS first, then their own width, then 80 when they report none', () => {
    expect(terminalWidth({isTTY: true, columns: 100}, {})).to.equal(100)
    expect(terminalWidth({isTTY: true, columns: 100}, {COLUMNS: '60'})).to.equal(60)
    expect(terminalWidth({isTTY: true, columns: 0}, {})).to.equal(80)
    expect(terminalWidth({isTTY: true, columns: 0}, {COLUMNS: 'x'})).to.equal(80)
    expect(terminalWidth({isTTY: false, columns: 100}, {COLUMNS: '60'})).to.equal(undefined)
  })

  it('animate progress only when they know their size', () => {
    expect(canAnimate({isTTY: true, columns: 120}, {})).to.equal(true)
    expect(canAnimate({isTTY: true, columns: 0}, {})).to.equal(false)
    expect(canAnimate({isTTY: true}, {})).to.equal(false)
    expect(canAnimate({isTTY: true, columns: 120}, {TERM: 'dumb'})).to.equal(false)
    expect(canAnimate({isTTY: false, columns: 120}, {})).to.equal(false)
  })
})
