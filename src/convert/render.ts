import {listedId, listedSize} from '../output/format.js'
import type {TableLayout} from '../output/layout.js'
import {type Rendered, renderListed} from '../output/listed.js'
import type {ConvertResult} from './convert-stored.js'

/** `canQuery`: the backend runs `labmesh query`; else the hint shows the rows with `catalog describe`, which every backend serves. */
export function renderConvertResult(result: ConvertResult, layout: TableLayout, options: {canQuery: boolean}): Rendered {
  const blocks = [
    renderListed(
      {
        head: ['raw file', 'engineered', 'converter', 'technique', 'size', 'rows', 'source'],
        rows: result.files.map((f) => [
          listedId(f.rawFileId, layout),
          listedId(f.engineeredFileId, layout),
          `${f.converter} ${f.converterVersion}`,
          f.technique,
          listedSize(f.size, layout),
          Object.values(f.tables).reduce((a, b) => a + b, 0),
          f.sourcePath,
        ]),
        noun: 'files converted',
      },
      layout,
    ),
    renderListed(
      {head: ['not converted', 'code', 'reason'], rows: result.failed.map((f) => [f.sourcePath, f.code, f.message]), noun: 'failures'},
      layout,
    ),
  ]
  const notes = [
    ...blocks.flatMap((b) => b.notes),
    `Converted ${result.converted} file${result.converted === 1 ? '' : 's'}, ${result.failed.length} failed.`,
  ]
  const written = Object.entries(result.rowsWritten).sort(([a], [b]) => a.localeCompare(b))
  if (written.length > 0) {
    notes.push(`Rows written: ${written.map(([table, rows]) => `${table} ${rows.toLocaleString('en-US')}`).join(', ')}.`)
    // The measurements are worth a first look; else the table with the most rows.
    const [first] = written.find(([table]) => table.endsWith('_measurement')) ?? [...written].sort(([, a], [, b]) => b - a)[0]
    const rows = options.canQuery ? `labmesh query 'SELECT * FROM ${first} LIMIT 10'` : `labmesh catalog describe ${first} --sample 10`
    notes.push(`Next: \`labmesh catalog list\` for the tables, \`${rows}\` for their rows.`)
  }
  return {body: blocks.map((b) => b.body).filter((b) => b !== ''), notes}
}
