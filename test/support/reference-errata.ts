import {numberKey, type ExpectedDocument} from '../../src/converters/accuracy.js'

/**
 * Places where the reference output (`X.expected.json`) contradicts the raw file itself. The
 * accuracy test scores against the reference with these corrections applied; the convert
 * benchmark prints the score both ways. Each entry says what the file shows.
 */
export interface ReferenceErratum {
  /** Path below ../shared/testdata: a file, or a family folder ending in "/". */
  file: string
  reason: string
  correct(expected: ExpectedDocument, raw: Buffer): ExpectedDocument
}

/**
 * Gives `unit` to the reference's unitless quantities whose numbers the file prints under a
 * heading naming that unit, unless the same number also stands elsewhere in the file.
 */
function relabel(expected: ExpectedDocument, unit: string, values: number[], elsewhere: number[]): ExpectedDocument {
  const labelled = new Set(values.map(numberKey))
  const other = new Set(elsewhere.map(numberKey))
  const quantities: [number, string][] = []
  for (const [value, u] of expected.quantities) {
    const key = numberKey(value)
    if (u === '' && labelled.has(key)) {
      quantities.push([value, unit])
      if (other.has(key)) quantities.push([value, u])
    } else quantities.push([value, u])
  }
  return {...expected, quantities}
}

/** The numbers of each titled grid of a CTL ImmunoSpot report, by title. */
function immunospotGrids(raw: Buffer): Map<string, number[]> {
  const grids = new Map<string, number[]>()
  let title = 'Unprocessed Data'
  for (const line of raw.toString('latin1').split(/\r?\n/)) {
    if (/^\t+\S/.test(line) && !line.includes(':') && !line.includes('=')) title = line.trim()
    else if (/^[A-H]\s/.test(line)) {
      const numbers = line.trim().split(/\s+/).slice(1).map(Number).filter(Number.isFinite)
      grids.set(title, [...(grids.get(title) ?? []), ...numbers])
    }
  }
  return grids
}

/** The numbers of the named elements of a TapeStation XML export. */
function xmlValues(raw: Buffer, tags: string[]): number[] {
  const out: number[] = []
  for (const tag of tags) for (const m of raw.toString('utf8').matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))) out.push(Number(m[1]))
  return out.filter(Number.isFinite)
}

const TAPESTATION_OTHER_TAGS = [
  'Area',
  'FromMW',
  'ToMW',
  'Size',
  'Height',
  'FromPercent',
  'ToPercent',
  'RunDistance',
  'PercentOfTotal',
  'PercentIntegratedArea',
  'Number',
  'From',
  'To',
  'AverageSize',
  'RINe',
  'DIN',
  'ElectrophoresisTemp',
  'ElectrophoresisTime',
]

export const REFERENCE_ERRATA: ReferenceErratum[] = [
  {
    file: 'instruments/agilent_gen5/luminescence/spectral_scan.txt',
    reason:
      'the reference has an excitation of 480 nm with a 20 nm bandwidth; the file has no excitation setting and no 480 or 20 anywhere (it reads emission 300-700 nm)',
    correct: (expected) => ({
      ...expected,
      distinctValues: expected.distinctValues.filter((v) => v !== 480 && v !== 20),
      quantities: expected.quantities.filter(([v, u]) => !(u === 'nm' && (v === 480 || v === 20))),
    }),
  },
  {
    file: 'instruments/perkin_elmer_envision/PE_Envision_luminescence_example01.csv',
    reason:
      'the grids label their rows A, E, I and M (every fourth row of a 384-well plate); the reference renames them A, B, C, D by position, moving readings to wells that were not measured',
    correct: (expected) => {
      const rows: Record<string, string> = {B: 'E', C: 'I', D: 'M'}
      return {...expected, wellValues: expected.wellValues.map(([well, value]) => [well.replace(/^[BCD]/, (r) => rows[r]), value])}
    },
  },
  {
    file: 'instruments-more/methodical_mind/',
    reason:
      'the reference names spot numbers as wells: methodical_test_1.txt reads "Spots Per Well: 1" and the grid line "A \\t 12895 \\t 10144 ...", yet the reference pairs 12895 with well "1"; the grid puts it in well A1 (checked in methodical-mind.test.ts)',
    correct: (expected) => ({...expected, wellValues: []}),
  },
  {
    file: 'instruments-more/ctl_immunospot/',
    reason:
      'the grid titled "Mean spot sizes (Sq.mm)" is in square millimetres (as "Min. SpotSize: 0.0025  Sq.mm" is, which the reference writes as mm^2); the reference writes its numbers unitless',
    correct: (expected, raw) => {
      const grids = immunospotGrids(raw)
      const title = [...grids.keys()].find((t) => /\(sq\.?\s*mm\)/i.test(t))
      if (!title) return expected
      const others = [...grids].filter(([t]) => t !== title).flatMap(([, v]) => v)
      return relabel(expected, 'mm^2', grids.get(title)!, others)
    },
  },
  {
    file: 'instruments-more/agilent_tapestation_analysis/',
    reason:
      'the file gives its units, "<ConcentrationUnit>ng/µl</ConcentrationUnit>" and "<MolarityUnit>nmol/l</MolarityUnit>"; the reference writes concentrations, calibrated and assigned quantities and molarities unitless',
    correct: (expected, raw) => {
      const other = xmlValues(raw, TAPESTATION_OTHER_TAGS)
      const molarities = xmlValues(raw, ['Molarity'])
      const concentrations = xmlValues(raw, ['Concentration', 'CalibratedQuantity', 'AssignedQuantity'])
      const concentrationUnit = /<ConcentrationUnit>([^<]*)</.exec(raw.toString('utf8'))?.[1].replace(/l$/, 'L') ?? 'ng/µL'
      const molarityUnit = /<MolarityUnit>([^<]*)</.exec(raw.toString('utf8'))?.[1].replace(/l$/, 'L') ?? 'nmol/L'
      const step = relabel(expected, concentrationUnit, concentrations, [...other, ...molarities])
      return relabel(step, molarityUnit, molarities, [...other, ...concentrations])
    },
  },
]

export function correctedReference(relativePath: string, expected: ExpectedDocument, raw: Buffer): ExpectedDocument {
  const erratum = REFERENCE_ERRATA.find((e) => (e.file.endsWith('/') ? relativePath.startsWith(e.file) : e.file === relativePath))
  return erratum ? erratum.correct(expected, raw) : expected
}
