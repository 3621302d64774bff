import {Writable} from 'node:stream'
import {expect} from 'chai'
import {parse} from 'csv-parse/sync'

import type {QueryColumn, QueryValue} from '../../src/backends/types.js'
import {uniqueNames} from '../../src/output/unique-names.js'
import {createRowWriter, csvField} from '../../src/query/writers.js'

const COLUMNS: QueryColumn[] = [
  {name: 'id', type: 'BIGINT'},
  {name: 'note', type: 'VARCHAR'},
  {name: 'tags', type: 'VARCHAR[]'},
  {name: 'id', type: 'DOUBLE'},
]
const ROWS: QueryValue[][] = [
  [1, 'plain', ['a', 'b'], 0.5],
  [2, 'comma, "quote"\nand a line', [], null],
  [3, '', null, -1e-7],
  ['9007199254740993', '\ttab', [{x: 1}], 2],
]

/** A stream that takes a while per chunk and has a tiny buffer, so writers must wait for 'drain'. */
function slowSink(): {stream: Writable; text(): string; waits: number} {
  const chunks: string[] = []
  const sink = {
    waits: 0,
    text: () => chunks.join(''),
    stream: new Writable({
      highWaterMark: 8,
      write(chunk, _encoding, done) {
        chunks.push(String(chunk))
        setTimeout(done, 1)
      },
    }),
  }
  sink.stream.on('drain', () => sink.waits++)
  return sink
}

async function write(format: 'csv' | 'tsv' | 'json' | 'jsonl', pages: QueryValue[][][]): Promise<{text: string; waits: number}> {
  const sink = slowSink()
  const writer = createRowWriter(format, COLUMNS, sink.stream)
  for (const page of pages) await writer.write(page)
  await writer.end()
  await new Promise((resolve) => sink.stream.end(resolve))
  return {text: sink.text(), waits: sink.waits}
}

describe('result writers', () => {
  it('quotes CSV fields only when needed, and the empty string so it does not read back as null', () => {
    expect(['a', '', null, 'a,b', 'say "hi"', 'x\ny', 3, true, ['l'], {k: 'v'}].map((v) => csvField(v as QueryValue, ','))).to.deep.equal([
      'a',
      '""',
      '',
      '"a,b"',
      '"say ""hi"""',
      '"x\ny"',
      '3',
      'true',
      '"[""l""]"',
      '"{""k"":""v""}"',
    ])
    expect(csvField('a,b', '\t')).to.equal('a,b')
    expect(csvField('a\tb', '\t')).to.equal('"a\tb"')
  })

  it('writes CSV and TSV that a CSV parser reads back value for value, waiting for a slow reader', async () => {
    for (const [format, delimiter] of [
      ['csv', ','],
      ['tsv', '\t'],
    ] as const) {
      const {text, waits} = await write(format, [ROWS.slice(0, 2), ROWS.slice(2)])
      expect(waits, 'the writer waited for drain').to.be.greaterThan(0)
      const records = parse(text, {delimiter, relax_quotes: false}) as string[][]
      expect(records[0], 'repeated names made unique, as in files DuckDB writes').to.deep.equal(['id', 'note', 'tags', 'id_1'])
      expect(records.slice(1)).to.deep.equal([
        ['1', 'plain', '["a","b"]', '0.5'],
        ['2', 'comma, "quote"\nand a line', '[]', ''],
        ['3', '', '', '-1e-7'],
        ['9007199254740993', '\ttab', '[{"x":1}]', '2'],
      ])
    }
  })

  it('writes JSON as one array and JSON Lines as one object per line, repeated names made unique', async () => {
    const expected = ROWS.map((row) => ({id: row[0], note: row[1], tags: row[2], id_1: row[3]}))
    expect(JSON.parse((await write('json', [ROWS.slice(0, 1), ROWS.slice(1)])).text)).to.deep.equal(expected)
    const lines = (await write('jsonl', [ROWS])).text.trimEnd().split('\n')
    expect(lines.map((line) => JSON.parse(line))).to.deep.equal(expected)
    expect(JSON.parse((await write('json', [])).text)).to.deep.equal([])
    expect((await write('jsonl', [])).text).to.equal('')
    expect((await write('csv', [])).text).to.equal('id,note,tags,id_1\n')
  })

  it('names repeated columns as DuckDB does', () => {
    expect(uniqueNames(['a', 'a', 'b', 'a', 'a_1'])).to.deep.equal(['a', 'a_1', 'b', 'a_2', 'a_1_1'])
  })

  it('reports a reader that went away from the next write, not as an unhandled error', async () => {
    const stream = new Writable({
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('write EPIPE'), {code: 'EPIPE'}))
      },
    })
    const writer = createRowWriter('csv', COLUMNS, stream)
    await writer.write(ROWS).catch(() => undefined)
    await new Promise((resolve) => setImmediate(resolve))
    let failure: NodeJS.ErrnoException | undefined
    try {
      await writer.write(ROWS)
    } catch (error) {
      failure = error as NodeJS.ErrnoException
    }
    expect(failure?.code).to.equal('EPIPE')
    expect(stream.listenerCount('error')).to.equal(1)
    await writer.end().catch(() => undefined)
    expect(stream.listenerCount('error'), 'end() releases its listener').to.equal(0)
  })
})
