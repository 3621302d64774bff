import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {writeLongWorkbook} from '../test/support/long-workbook.js'
import {MB, runCli, type Target, targetTable} from './support/measure.js'

const BASELINE_ROWS = 1000
const CONVERTED_ROWS = 100_000
const REFUSED_ROWS = 1_000_000
/** The refusal of a million rows may cost at most this many times the time and peak memory of converting a thousand. */
const REFUSAL_TIME_RATIO = 12
const REFUSAL_RSS_RATIO = 5

/**
 * Long workbooks through `labmesh convert file`, as a user runs it: a thousand rows (the
 * baseline, measured in the same run), a hundred thousand rows (converted, the sheet streamed),
 * and a million rows written by exceljs' streaming writer, which declares no dimension: refused
 * once its rows pass the limit, within a few times the baseline's time and memory.
 */
export default async function benchWorkbook(): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), 'labmesh-bench-workbook-'))
  try {
    const env = {LABMESH_HOME: path.join(folder, 'home'), LABMESH_CONFIG_DIR: path.join(folder, 'config')}
    const runs: {rows: number; seconds: number; peakRss: number; outcome: string; mb: number}[] = []
    for (const rows of [BASELINE_ROWS, CONVERTED_ROWS, REFUSED_ROWS]) {
      const file = path.join(folder, `rows-${rows}.xlsx`)
      await writeLongWorkbook(file, rows)
      // No --json: its result would carry the whole document, which is not what is measured here.
      const run = await runCli(['convert', 'file', file, '--out', path.join(folder, `rows-${rows}.json`)], env, {allowFailure: true})
      const outcome = run.code === 0 ? 'converted' : `exit ${run.code}: ${run.stderr.replace(/LABMESH_PEAK_RSS=\d+/, '').trim()}`
      runs.push({rows, seconds: run.seconds, peakRss: run.peakRss, outcome, mb: statSync(file).size / MB})
    }
    const [baseline, converted, refused] = runs
    console.log('labmesh convert file on long two-column workbooks (exceljs streaming writer, no declared dimension)')
    for (const r of runs) {
      console.log(
        `  ${r.rows} rows (${r.mb.toFixed(1)} MB): ${r.seconds.toFixed(2)} s (${(r.seconds / baseline.seconds).toFixed(2)}x baseline), ` +
          `peak RSS ${(r.peakRss / MB).toFixed(0)} MB (${(r.peakRss / baseline.peakRss).toFixed(2)}x); ${r.outcome.slice(0, 140)}`,
      )
    }
    const timeRatio = refused.seconds / baseline.seconds
    const rssRatio = refused.peakRss / baseline.peakRss
    const targets: Target[] = [
      {target: `${CONVERTED_ROWS} rows converted`, measured: converted.outcome.slice(0, 60), met: converted.outcome === 'converted'},
      {
        target: `${REFUSED_ROWS} rows refused as INVALID_DATA naming the file`,
        measured: refused.outcome.slice(0, 60),
        met: refused.outcome.startsWith('exit 6: Error [INVALID_DATA]: rows-1000000.xlsx'),
      },
      {
        target: `refusal time <= ${REFUSAL_TIME_RATIO}x the ${BASELINE_ROWS}-row conversion`,
        measured: `${timeRatio.toFixed(2)}x`,
        met: timeRatio <= REFUSAL_TIME_RATIO,
      },
      {
        target: `refusal peak RSS <= ${REFUSAL_RSS_RATIO}x the ${BASELINE_ROWS}-row conversion`,
        measured: `${rssRatio.toFixed(2)}x`,
        met: rssRatio <= REFUSAL_RSS_RATIO,
      },
    ]
    console.log(targetTable(targets))
  } finally {
    rmSync(folder, {recursive: true, force: true})
  }
}
