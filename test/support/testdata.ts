import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import type {ExpectedDocument} from '../../src/converters/accuracy.js'

/** ../shared/testdata, read in place (never copied into the project); LABMESH_TESTDATA names it from a copy of the project (mutation testing). */
export const TESTDATA =
  process.env.LABMESH_TESTDATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/testdata')
export const INSTRUMENTS = path.join(TESTDATA, 'instruments')
export const DELTA_TABLES = path.join(TESTDATA, 'delta')

export interface InstrumentExport {
  family: string
  path: string
  name: string
  expected: ExpectedDocument
}

/** Every raw instrument export with its reference, grouped by family folder. */
export function instrumentExports(): InstrumentExport[] {
  const found: InstrumentExport[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const full = path.join(dir, entry)
      if (statSync(full).isDirectory()) walk(full)
      else if (!entry.endsWith('.expected.json')) {
        const expected = JSON.parse(readFileSync(`${full}.expected.json`, 'utf8')) as ExpectedDocument
        found.push({family: expected.family, path: full, name: entry, expected})
      }
    }
  }
  walk(INSTRUMENTS)
  return found
}

/** Families whose instruments are plate readers (the generic converter's benchmark). */
export const PLATE_READER_FAMILIES = ['agilent_gen5', 'bmg_mars', 'moldev_softmax_pro', 'perkin_elmer_envision']

/** Converter name for a testdata family: folder names with hyphens. */
export function converterNameFor(family: string): string {
  return family.replaceAll('_', '-')
}

/** The BMG plate of the converted workspaces as its reference document gives it: [well, absorbance] per well. */
export function bmgReference(): [string, number][] {
  const file = path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV.expected.json')
  return (JSON.parse(readFileSync(file, 'utf8')) as ExpectedDocument).wellValues
}
