import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import type {ExpectedDocument} from '../../src/converters/accuracy.js'

/** ../shared/testdata, read in place (never copied into the project); LABMESH_TESTDATA names it from a copy of the project (mutation testing). */
export const TESTDATA =
  process.env.LABMESH_TESTDATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/testdata')
export const INSTRUMENTS = path.join(TESTDATA, 'instruments')
/** The second set of instrument families, scored like the first. */
export const INSTRUMENTS_MORE = path.join(TESTDATA, 'instruments-more')
export const DELTA_TABLES = path.join(TESTDATA, 'delta')

export interface InstrumentExport {
  family: string
  path: string
  name: string
  expected: ExpectedDocument
}

/** Every raw instrument export with its reference, grouped by family folder (instruments/ unless told). */
export function instrumentExports(folders: string[] = [INSTRUMENTS]): InstrumentExport[] {
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
  for (const folder of folders) walk(folder)
  return found
}

/** The exports of both folders: the twenty families of the accuracy test. */
export function allInstrumentExports(): InstrumentExport[] {
  return instrumentExports([INSTRUMENTS, INSTRUMENTS_MORE])
}

/** Families from instruments-more/: scored with their own bar (mean >= 0.95, every file >= 0.85). */
export const MORE_FAMILIES_BAR = {mean: 0.95, file: 0.85}
/** Families from instruments/ keep the bar they reached first. */
export const FIRST_FAMILIES_BAR = {mean: 0.98, file: 0.9}

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
