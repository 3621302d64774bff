import type {TableLayout} from './layout.js'
import {renderTable} from './table.js'

/** What a command prints: tables for stdout, and notes for people (stdout on a terminal, stderr down a pipe). */
export interface Rendered {
  body: string[]
  notes: string[]
}

/** Rows listed to a person at most, beyond which --json (or a pipe) has them all. */
export const LIST_AT_MOST = 50

/**
 * A table of a command's report (files stored, failures...): every row down a pipe; on a terminal
 * the first LIST_AT_MOST, with a note saying how many there are. Nothing when there are no rows.
 */
export function renderListed(
  table: {head: string[]; rows: unknown[][]; noun: string},
  layout: TableLayout,
): {body: string; notes: string[]} {
  const {head, rows, noun} = table
  if (rows.length === 0) return {body: '', notes: []}
  if (layout.kind === 'tsv' || rows.length <= LIST_AT_MOST) return {body: renderTable(head, rows, layout), notes: []}
  return {
    body: renderTable(head, rows.slice(0, LIST_AT_MOST), layout),
    notes: [`The first ${LIST_AT_MOST} of ${rows.length} ${noun} are shown; --json lists them all.`],
  }
}
