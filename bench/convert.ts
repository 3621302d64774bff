import Table from 'cli-table3'
import {readFileSync} from 'node:fs'

import {scoreDocument} from '../src/converters/accuracy.js'
import {ConverterRegistry, GENERIC_CONVERTER} from '../src/converters/registry.js'
import {converterNameFor, instrumentExports, type InstrumentExport, PLATE_READER_FAMILIES} from '../test/support/testdata.js'

const MIN_SECONDS = 2
const PLATE_FILES = 1000
const PLATE_TARGET = 300
const MB = 1e6

/**
 * The convert stage's benchmark: accuracy per instrument family over ../shared/testdata
 * (values, quantities and wells recall, as the accuracy test scores them, plus the generic
 * converter alone on plate readers), conversion throughput over that folder with the bytes
 * in memory, and files/s for 1,000 generated 384-well plate exports on one core.
 * It reports; it never fails on a low score.
 */
export default async function benchConvert(): Promise<void> {
  const registry = await ConverterRegistry.load()
  const exports = instrumentExports().map((e) => ({...e, bytes: readFileSync(e.path)}))
  console.log(`Converters: ${registry.list().map((c) => c.name).join(', ')}\n`)
  await accuracy(registry, exports)
  await folderThroughput(registry, exports)
  await plateThroughput(registry)
}

type Loaded = InstrumentExport & {bytes: Buffer}

interface Tally {
  files: number
  detected: number
  failed: number
  values: number[]
  quantities: number[]
  wells: number[]
  scores: number[]
}

async function accuracy(registry: ConverterRegistry, exports: Loaded[]): Promise<void> {
  const families = new Map<string, Tally>()
  const generic: number[] = []
  for (const file of exports) {
    let tally = families.get(file.family)
    if (!tally) families.set(file.family, (tally = {files: 0, detected: 0, failed: 0, values: [], quantities: [], wells: [], scores: []}))
    tally.files++
    const chosen = await registry.choose(file.name, file.bytes)
    if (chosen.name === converterNameFor(file.family)) tally.detected++
    try {
      const {document} = await registry.convert({name: file.name, bytes: file.bytes})
      const score = scoreDocument(document, file.expected)
      if (score.values !== undefined) tally.values.push(score.values)
      if (score.quantities !== undefined) tally.quantities.push(score.quantities)
      if (score.wells !== undefined) tally.wells.push(score.wells)
      tally.scores.push(score.score)
    } catch {
      tally.failed++
      tally.scores.push(0)
    }
    if (PLATE_READER_FAMILIES.includes(file.family)) {
      try {
        const {document} = await registry.convert({name: file.name, bytes: file.bytes}, GENERIC_CONVERTER)
        generic.push(scoreDocument(document, file.expected).score)
      } catch {
        generic.push(0)
      }
    }
  }
  const table = new Table({style: {head: [], border: []}, head: ['family', 'files', 'detected', 'failed', 'values', 'quantities', 'wells', 'score', 'min file']})
  for (const [family, t] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
    table.push([family, t.files, `${t.detected}/${t.files}`, t.failed, mean(t.values), mean(t.quantities), mean(t.wells), mean(t.scores), Math.min(...t.scores).toFixed(3)])
  }
  const all = [...families.values()].flatMap((t) => t.scores)
  table.push(['all files', all.length, '', '', '', '', '', mean(all), Math.min(...all).toFixed(3)])
  console.log('Accuracy per family (mean recalls; score = mean of the recalls that apply; targets: >= 0.98 per family, >= 0.9 per file)')
  console.log(table.toString())
  console.log(`Generic converter alone over the plate reader files (${generic.length}): ${mean(generic)} (target >= 0.8)\n`)
}

async function folderThroughput(registry: ConverterRegistry, exports: Loaded[]): Promise<void> {
  const bytes = exports.reduce((n, e) => n + e.bytes.length, 0)
  let files = 0
  let failed = 0
  let passes = 0
  const start = performance.now()
  while ((performance.now() - start) / 1000 < MIN_SECONDS) {
    for (const file of exports) {
      try {
        await registry.convert({name: file.name, bytes: file.bytes})
      } catch {
        failed++
      }
      files++
    }
    passes++
  }
  const seconds = (performance.now() - start) / 1000
  const table = new Table({style: {head: [], border: []}, head: ['folder', 'files', 'MB', 'passes', 'seconds', 'files/s', 'MB/s', 'failed']})
  table.push(['instruments', exports.length, (bytes / MB).toFixed(2), passes, seconds.toFixed(2), (files / seconds).toFixed(0), ((bytes * passes) / MB / seconds).toFixed(1), failed])
  console.log('Throughput over the instruments folder (bytes in memory, detection + conversion)')
  console.log(table.toString())
  console.log('')
}

interface PlateFormat {
  name: string
  make: (n: number) => Buffer
}

const PLATE_FORMATS: PlateFormat[] = [
  {name: 'tab-delimited export: header block + lettered 384-well grid', make: genericPlate},
  {name: 'BMG MARS-like CSV (384 wells)', make: bmgLikePlate},
  {name: 'EnVision-like CSV (384 wells)', make: envisionLikePlate},
]

async function plateThroughput(registry: ConverterRegistry): Promise<void> {
  const table = new Table({style: {head: [], border: []}, head: ['format', 'converter', 'files', 'MB', 'seconds', 'files/s', 'target']})
  for (const format of PLATE_FORMATS) {
    const files = Array.from({length: PLATE_FILES}, (_, n) => ({name: `bench-plate-${n}.csv`, bytes: format.make(n)}))
    const converter = await registry.choose(files[0].name, files[0].bytes)
    const bytes = files.reduce((n, f) => n + f.bytes.length, 0)
    // Warm up, so the figure is the steady rate a long ingest sees.
    for (const file of files.slice(0, 50)) await converter.convert(file)
    const start = performance.now()
    for (const file of files) await converter.convert(file)
    const seconds = (performance.now() - start) / 1000
    const rate = files.length / seconds
    table.push([format.name, converter.name, files.length, (bytes / MB).toFixed(2), seconds.toFixed(2), rate.toFixed(0), rate >= PLATE_TARGET ? `>= ${PLATE_TARGET} ok` : `< ${PLATE_TARGET} LOW`])
  }
  console.log(`Generated 384-well plate exports, one core (converter chosen by detection, generic when none claims the format)`)
  console.log(table.toString())
}

function mean(values: number[]): string {
  return values.length === 0 ? '-' : (values.reduce((a, b) => a + b, 0) / values.length).toFixed(3)
}

/** A deterministic pseudo-random reading, so every file differs but runs compare. */
function reading(n: number, well: number, scale: number): number {
  const x = Math.sin(n * 9973 + well * 7919) * 10000
  return Math.round((x - Math.floor(x)) * scale * 1000) / 1000
}

const ROWS = 16
const COLUMNS = 24
const letter = (r: number): string => String.fromCharCode(65 + r)

function genericPlate(n: number): Buffer {
  const lines = [
    'Instrument:\tAcme Reader 9000',
    'Serial number:\tAR9-000123',
    `Plate ID:\tPLATE-${n}`,
    'Measurement:\tAbsorbance',
    'Wavelength:\t450 nm',
    'Temperature:\t25.1 °C',
    'Number of flashes:\t10',
    '',
    'Absorbance 450',
    ['', ...Array.from({length: COLUMNS}, (_, c) => String(c + 1))].join('\t'),
  ]
  for (let r = 0; r < ROWS; r++) lines.push([letter(r), ...Array.from({length: COLUMNS}, (_, c) => reading(n, r * COLUMNS + c, 3).toFixed(3))].join('\t'))
  return Buffer.from(lines.join('\r\n') + '\r\n')
}

function bmgLikePlate(n: number): Buffer {
  const pad = ','.repeat(COLUMNS - 2)
  const lines = [
    `User: USER,Path: C:\\Program Files (x86)\\BMG\\CLARIOstar\\User\\Data,Test run no.: ${n}${pad}`,
    `Test name: Bench ${n},Date: 05/14/2021,Time: 3:29:50 PM${pad}`,
    ','.repeat(COLUMNS),
    `ID1: plate-${n},ID2: bench,ID3: ${pad}`,
    `Fluorescence (FI)${','.repeat(COLUMNS)}`,
    ','.repeat(COLUMNS),
    `Raw Data (485/520)${','.repeat(COLUMNS)}`,
    ','.repeat(COLUMNS),
    ['', ...Array.from({length: COLUMNS}, (_, c) => String(c + 1))].join(','),
  ]
  for (let r = 0; r < ROWS; r++) lines.push([letter(r), ...Array.from({length: COLUMNS}, (_, c) => String(Math.round(reading(n, r * COLUMNS + c, 60000))))].join(','))
  return Buffer.from(lines.join('\r\n') + '\r\n')
}

function envisionLikePlate(n: number): Buffer {
  const lines = [
    'Plate information',
    'Plate,Repeat,Barcode,Measured height,Chamber temperature at start,Chamber temperature at end,Humidity at start,Humidity at end,Ambient temperature at start,Ambient temperature at end,Group,Label,ScanX,ScanY,Measinfo,Kinetics,Measurement date,',
    `${n},1,"=""PL${n}""",14.67,23.47,23.56,46.9,47.5,23.87,23.97,1,Lum 384(1),0,0,De=USLum Ex=N/A Em=N/A Wdw=N/A (12),0,8/22/2023 12:16:57 PM,`,
    '',
    'Background information',
    'Plate,Label,Result,Signal,Flashes/Time,Meastime,MeasInfo,',
    `${n},Lum 384,0,4,0.1,00:00:00.000,De=USLum Ex=N/A Em=N/A Wdw=N/A (12),`,
    '',
    'Results for Lum 384(1) - channel 0 (CPS)',
    ['', ...Array.from({length: COLUMNS}, (_, c) => String(c + 1).padStart(2, '0')), ''].join(','),
  ]
  for (let r = 0; r < ROWS; r++) lines.push([letter(r), ...Array.from({length: COLUMNS}, (_, c) => String(Math.round(reading(n, r * COLUMNS + c, 90000)))), ''].join(','))
  lines.push('', '', 'Basic assay information ', 'Assay ID: ,,,,3134', `Protocol Name: ,,,,Bench ${n}`, 'Serial#: ,,,,="1050209"', '', 'Exported with EnVision Workstation version 1.14.3049.1193')
  return Buffer.from(lines.join('\n') + '\n')
}
