import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {readSheets} from '../../src/converters/spreadsheet/index.js'
import {openXlsx, WorkbookLimitError} from '../../src/converters/spreadsheet/xlsx.js'
import {zipEntries, zipEntryHead, zipEntryText} from '../../src/converters/spreadsheet/zip.js'
import {INSTRUMENTS, INSTRUMENTS_MORE} from '../support/testdata.js'

// The spreadsheet module on real exports: .xlsx read from its XML parts, .xls (BIFF and HTML)
// through SheetJS, and workbooks too large to hold refused with INVALID_DATA naming the file.
const QUANTSTUDIO = path.join(INSTRUMENTS, 'appbio_quantstudio', 'appbio_quantstudio_example10.xlsx')

describe('spreadsheet reading', () => {
  it('reads only the sheets asked for, with numbers as numbers and text trimmed', async () => {
    const bytes = readFileSync(QUANTSTUDIO)
    const [results] = await readSheets({name: 'q.xlsx', bytes}, (name) => name === 'Results')
    expect(results.name).to.equal('Results')
    const header = results.rows.find((row) => row[0] === 'Well')!
    expect(header).to.include('Well Position')
    const first = results.rows[results.rows.indexOf(header) + 1]
    expect(first[0]).to.be.a('number')
  })

  it('reads legacy BIFF and HTML .xls workbooks', async () => {
    for (const name of ['hiac_example_6.xls', 'hiac_example_7.xls']) {
      const sheets = await readSheets({name, bytes: readFileSync(path.join(INSTRUMENTS_MORE, 'beckman_pharmspec', name))})
      const cells = sheets.flatMap((s) => s.rows.flat())
      expect(
        cells.some((c) => typeof c === 'string' && /Particle Size/.test(c)),
        name,
      ).to.equal(true)
    }
  })

  it('refuses a workbook over its cell or size limit, before holding it whole', () => {
    const bytes = readFileSync(QUANTSTUDIO)
    expect(() => openXlsx(bytes, {maxPartBytes: 256 * 1024 * 1024, maxCells: 100}).read()).to.throw(
      WorkbookLimitError,
      /more than 100 cells/,
    )
    expect(() => openXlsx(bytes, {maxPartBytes: 1000, maxCells: 1e9}).read()).to.throw(/more than the 1000/)
  })

  it('reads the head of every part as the start of its whole text, short parts whole', () => {
    const file = path.join(
      INSTRUMENTS_MORE,
      'appbio_quantstudio_designandanalysis',
      'appbio_quantstudio_designandanalysis_QS7Pro_Relative_Quantification_Biogroup_example12.xlsx',
    )
    const bytes = readFileSync(file)
    const limit = 256 * 1024 * 1024
    let long = 0
    for (const entry of zipEntries(bytes).values()) {
      const whole = zipEntryText(bytes, entry, limit)
      if (whole.length > 1024 * 1024) long++
      for (const chars of [100, 64 * 1024]) expect(zipEntryHead(bytes, entry, chars, limit), entry.name).to.equal(whole.slice(0, chars))
    }
    // Sheets of megabytes, where only a prefix of the compressed part is inflated.
    expect(long).to.be.at.least(2)
  })

  it('names the file when a workbook cannot be read', async () => {
    const bytes = readFileSync(QUANTSTUDIO).subarray(0, 5000)
    const error = await readSheets({name: 'cut.xlsx', bytes}).catch((e: unknown) => e as Error & {code: string})
    expect(error).to.be.instanceOf(Error)
    expect((error as Error & {code: string}).code).to.equal('INVALID_DATA')
    expect((error as Error).message).to.match(/^cut\.xlsx: not a readable Excel workbook/)
  })
})
