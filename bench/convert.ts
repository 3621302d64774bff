import {readFileSync} from 'node:fs'
import path from 'node:path'

import {scoreDocument} from '../src/converters/accuracy.js'
import {ConverterRegistry, GENERIC_CONVERTER} from '../src/converters/registry.js'
import {correctedReference} from '../test/support/reference-errata.js'
import {allInstrumentExports, converterNameFor, type InstrumentExport, PLATE_READER_FAMILIES, TESTDATA} from '../test/support/testdata.js'
import {bmgLikePlate, envisionLikePlate, genericPlate} from '../test/support/plates.js'
import {benchTable} from './support/table.js'

const MIN_SECONDS = 2
/** Each converter on its own family's shipped files, spreadsheets included. */
const FAMILY_TARGET = 100
const FAMILY_SECONDS = 1
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
  const exports = allInstrumentExports().map((e) => ({...e, bytes: readFileSync(e.path)}))
  console.log(
    `Converters: ${registry
      .list()
      .map((c) => c.name)
      .join(', ')}\n`,
  )
  await accuracy(registry, exports)
  await familyThroughput(registry, exports)
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
  /** Scores against the references with reference-errata.ts applied (where a reference contradicts its file). */
  corrected: number[]
}

async function accuracy(registry: ConverterRegistry, exports: Loaded[]): Promise<void> {
  const families = new Map<string, Tally>()
  const generic: number[] = []
  for (const file of exports) {
    let tally = families.get(file.family)
    if (!tally)
      families.set(
        file.family,
        (tally = {files: 0, detected: 0, failed: 0, values: [], quantities: [], wells: [], scores: [], corrected: []}),
      )
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
      tally.corrected.push(scoreDocument(document, correctedReference(path.relative(TESTDATA, file.path), file.expected, file.bytes)).score)
    } catch {
      tally.failed++
      tally.scores.push(0)
      tally.corrected.push(0)
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
  const table = benchTable([
    'family',
    'files',
    'detected',
    'failed',
    'values',
    'quantities',
    'wells',
    'score',
    'min file',
    'score (errata)',
    'min file (errata)',
  ])
  for (const [family, t] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
    table.push([
      family,
      t.files,
      `${t.detected}/${t.files}`,
      t.failed,
      mean(t.values),
      mean(t.quantities),
      mean(t.wells),
      mean(t.scores),
      Math.min(...t.scores).toFixed(3),
      mean(t.corrected),
      Math.min(...t.corrected).toFixed(3),
    ])
  }
  const all = [...families.values()].flatMap((t) => t.scores)
  const allCorrected = [...families.values()].flatMap((t) => t.corrected)
  table.push([
    'all files',
    all.length,
    '',
    '',
    '',
    '',
    '',
    mean(all),
    Math.min(...all).toFixed(3),
    mean(allCorrected),
    Math.min(...allCorrected).toFixed(3),
  ])
  console.log(
    'Accuracy per family (mean recalls; score = mean of the recalls that apply; targets: instruments/ >= 0.98 per family and >= 0.9 per file, instruments-more/ >= 0.95 and >= 0.85, with errata)',
  )
  console.log(table.toString())
  console.log(`Generic converter alone over the plate reader files (${generic.length}): ${mean(generic)} (target >= 0.8)\n`)
}

/**
 * Files/s of each family's detected converter on its own files, repeated for at least a second,
 * against the generic converter on the same bytes as a baseline measured in the same run.
 */
async function familyThroughput(registry: ConverterRegistry, exports: Loaded[]): Promise<void> {
  const table = benchTable(['family', 'converter', 'files', 'MB', 'files/s', 'MB/s', 'ms/file (max)', 'vs generic', 'target'])
  const families = [...new Set(exports.map((e) => e.family))].sort()
  const rate = async (files: Loaded[], forced?: string): Promise<{perSecond: number; slowest: number}> => {
    let converted = 0
    let slowest = 0
    const start = performance.now()
    while (converted === 0 || (performance.now() - start) / 1000 < FAMILY_SECONDS) {
      for (const file of files) {
        const t0 = performance.now()
        try {
          await registry.convert({name: file.name, bytes: file.bytes}, forced)
        } catch {
          // A file the generic converter cannot read still costs its time.
        }
        slowest = Math.max(slowest, performance.now() - t0)
        converted++
      }
    }
    return {perSecond: converted / ((performance.now() - start) / 1000), slowest}
  }
  for (const family of families) {
    const files = exports.filter((e) => e.family === family)
    const bytes = files.reduce((n, e) => n + e.bytes.length, 0)
    const own = await rate(files, converterNameFor(family))
    const generic = await rate(files, GENERIC_CONVERTER)
    table.push([
      family,
      converterNameFor(family),
      files.length,
      (bytes / MB).toFixed(2),
      own.perSecond.toFixed(0),
      ((own.perSecond * bytes) / files.length / MB).toFixed(1),
      own.slowest.toFixed(1),
      `${(own.perSecond / generic.perSecond).toFixed(1)}x`,
      own.perSecond >= FAMILY_TARGET ? `>= ${FAMILY_TARGET} ok` : `< ${FAMILY_TARGET} LOW`,
    ])
  }
  console.log(
    `Throughput per family on its shipped files (bytes in memory; each for at least ${FAMILY_SECONDS} s; vs generic = the generic converter on the same files)`,
  )
  console.log(table.toString())
  console.log('')
}

async function folderThroughput(registry: ConverterRegistry, exports: Loaded[]): Promise<void> {
  const table = benchTable(['files', 'converter', 'count', 'MB', 'passes', 'seconds', 'files/s', 'MB/s', 'CPU ms/file', 'failed'])
  const plateFiles = exports.filter((e) => PLATE_READER_FAMILIES.includes(e.family))
  for (const [label, files, forced] of [
    ['all instrument exports', exports, undefined],
    ['plate reader exports', plateFiles, GENERIC_CONVERTER],
  ] as const) {
    const bytes = files.reduce((n, e) => n + e.bytes.length, 0)
    let converted = 0
    let failed = 0
    let passes = 0
    const cpu = process.cpuUsage()
    const start = performance.now()
    while ((performance.now() - start) / 1000 < MIN_SECONDS) {
      for (const file of files) {
        try {
          await registry.convert({name: file.name, bytes: file.bytes}, forced)
        } catch {
          failed++
        }
        converted++
      }
      passes++
    }
    const seconds = (performance.now() - start) / 1000
    const cpuMs = process.cpuUsage(cpu).user / 1000 / converted
    table.push([
      label,
      forced ?? 'detected',
      files.length,
      (bytes / MB).toFixed(2),
      passes,
      seconds.toFixed(2),
      (converted / seconds).toFixed(0),
      ((bytes * passes) / MB / seconds).toFixed(1),
      cpuMs.toFixed(2),
      failed,
    ])
  }
  console.log('Throughput over the instruments folder (bytes in memory; repeated for at least 2 s)')
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
  const table = benchTable(['format', 'converter', 'files', 'MB', 'seconds', 'files/s', 'CPU ms/file', 'target'])
  for (const format of PLATE_FORMATS) {
    const files = Array.from({length: PLATE_FILES}, (_, n) => ({name: `bench-plate-${n}.csv`, bytes: format.make(n)}))
    const detected = await registry.choose(files[0].name, files[0].bytes)
    const converters = detected.name === GENERIC_CONVERTER ? [detected] : [detected, registry.get(GENERIC_CONVERTER)]
    const bytes = files.reduce((n, f) => n + f.bytes.length, 0)
    for (const converter of converters) {
      // Warm up, so the figure is the steady rate a long ingest sees.
      for (const file of files.slice(0, 50)) await converter.convert(file)
      const cpu = process.cpuUsage()
      const start = performance.now()
      for (const file of files) await converter.convert(file)
      const seconds = (performance.now() - start) / 1000
      const cpuMs = process.cpuUsage(cpu).user / 1000 / files.length
      const rate = files.length / seconds
      const name = converter === detected ? `${converter.name} (detected)` : converter.name
      table.push([
        format.name,
        name,
        files.length,
        (bytes / MB).toFixed(2),
        seconds.toFixed(2),
        rate.toFixed(0),
        cpuMs.toFixed(2),
        rate >= PLATE_TARGET ? `>= ${PLATE_TARGET} ok` : `< ${PLATE_TARGET} LOW`,
      ])
    }
  }
  console.log('Generated 384-well plate exports on one core (the detected converter, and the generic one forced)')
  console.log(table.toString())
}

function mean(values: number[]): string {
  return values.length === 0 ? '-' : (values.reduce((a, b) => a + b, 0) / values.length).toFixed(3)
}
