import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {benchTable} from '../../bench/support/table.js'

const BENCH = path.join(import.meta.dirname, '..', '..', 'bench')

describe('benchmark tables', () => {
  it('print no escape codes, so that results piped or saved to a file read as plain text', () => {
    const table = benchTable(['case', 'seconds'])
    table.push(['ingest', '1.5'])
    const text = table.toString()
    expect(text).to.include('ingest')
    expect(text).not.to.include('\x1b')
  })

  it('are all made by benchTable: no benchmark builds a cli-table3 table of its own, which would colour', () => {
    const sources = readdirSync(BENCH).filter((name) => name.endsWith('.ts'))
    expect(sources.length).to.be.greaterThan(3)
    for (const name of sources) {
      const source = readFileSync(path.join(BENCH, name), 'utf8')
      expect(source, name).not.to.include('cli-table3')
    }
  })
})
