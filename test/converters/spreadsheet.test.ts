import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'
import ExcelJS from 'exceljs'

import {readSheets} from '../../src/converters/spreadsheet/index.js'
import {openXlsx, WorkbookLimitError, XLSX_LIMITS} from '../../src/converters/spreadsheet/xlsx.js'
import {zipEntries, zipEntryHead, zipEntryText} from '../../src/converters/spreadsheet/zip.js'
import type {LabmeshError} from '../../src/errors.js'
import {writeLongWorkbook} from '../support/long-workbook.js'
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

  it('keeps the empty rows a sheet ends with, up to its last row element, as converters read them', async () => {
    // Its Results sheet's values end at row 49; row elements without values run on to row 256.
    const file = path.join(INSTRUMENTS_MORE, 'appbio_quantstudio_designandanalysis', 'appbio_quantstudio_design_quantity_test.xlsx')
    const [sheet] = await readSheets({name: 'quantity.xlsx', bytes: readFileSync(file)}, (name) => name === 'Results')
    expect(sheet.rows).to.have.length(256)
    expect(sheet.rows[48].length).to.be.greaterThan(0)
    expect(sheet.rows.slice(49)).to.deep.equal(Array.from({length: 207}, () => []))
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

  it('refuses a workbook over its cell or size limit, before holding it whole', async () => {
    const bytes = readFileSync(QUANTSTUDIO)
    const limits = {...XLSX_LIMITS, maxCells: 100}
    const error = await openXlsx(bytes, limits)
      .read()
      .catch((e: unknown) => e)
    expect(error)
      .to.be.instanceOf(WorkbookLimitError)
      .and.to.match(/more than 100 cells/)
    const large = await openXlsx(bytes, {...XLSX_LIMITS, maxPartBytes: 1000})
      .read()
      .catch((e: unknown) => e)
    expect(large).to.match(/more than (the )?1000/)
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

  describe('long sheets (written by exceljs, as large exports are)', function () {
    this.timeout(120_000)
    const ROWS = 60_000
    let folder: string
    let long: Buffer
    before(async () => {
      folder = mkdtempSync(path.join(tmpdir(), 'labmesh-long-'))
      await writeLongWorkbook(path.join(folder, 'long.xlsx'), ROWS)
      long = readFileSync(path.join(folder, 'long.xlsx'))
    })
    after(() => rmSync(folder, {recursive: true, force: true}))

    it('are read a run of rows at a time, every row whole across the chunks the XML inflates in', async () => {
      const [sheet] = await readSheets({name: 'long.xlsx', bytes: long})
      expect(sheet.rows).to.have.length(ROWS + 1)
      expect(sheet.rows[0]).to.deep.equal(['Well', 'Absorbance'])
      for (let i = 0; i < ROWS; i++) {
        const well = `${String.fromCharCode(65 + (Math.floor(i / 12) % 8))}${(i % 12) + 1}`
        if (sheet.rows[i + 1][0] !== well || sheet.rows[i + 1][1] !== (i % 1000) / 1000) expect.fail(`row ${i + 2}: ${sheet.rows[i + 1]}`)
      }
    })

    it('are refused once a value lies past the row limit, as the rows stream in', async () => {
      const error = await openXlsx(long, {...XLSX_LIMITS, maxRows: ROWS / 2})
        .read()
        .catch((e: unknown) => e)
      expect(error)
        .to.be.instanceOf(WorkbookLimitError)
        .and.to.match(/the sheet "Results" has values past row 30000/)
    })

    it('are refused from the dimension a sheet declares, before any row is read', async () => {
      const workbook = new ExcelJS.Workbook()
      const sheet = workbook.addWorksheet('Results')
      sheet.addRow(['Well', 'Absorbance'])
      sheet.getCell('A600001').value = 'last'
      const bytes = Buffer.from(await workbook.xlsx.writeBuffer())
      // Past the cell limit too: the dimension is checked first, so it is what the refusal names.
      const early = await openXlsx(bytes, {...XLSX_LIMITS, maxCells: 1})
        .read()
        .catch((e: unknown) => e)
      expect(early)
        .to.be.instanceOf(WorkbookLimitError)
        .and.to.match(/declares 600001 rows, more than the 500000/)
      const error = await readSheets({name: 'declared.xlsx', bytes}).catch((e: unknown) => e as LabmeshError)
      expect(error).to.include({code: 'INVALID_DATA', subject: 'declared.xlsx'})
      expect((error as LabmeshError).message).to.match(/^declared\.xlsx is too large to convert as one document/)
    })
  })

  it('names the file when a workbook cannot be read', async () => {
    const bytes = readFileSync(QUANTSTUDIO).subarray(0, 5000)
    const error = await readSheets({name: 'cut.xlsx', bytes}).catch((e: unknown) => e as Error & {code: string})
    expect(error).to.be.instanceOf(Error)
    expect((error as Error & {code: string}).code).to.equal('INVALID_DATA')
    expect((error as Error).message).to.match(/^cut\.xlsx: not a readable Excel workbook/)
  })
})
