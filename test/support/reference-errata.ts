import type {ExpectedDocument} from '../../src/converters/accuracy.js'

/**
 * Places where the reference output (`X.expected.json`) contradicts the raw file itself. The
 * accuracy test scores against the reference with these corrections applied; the convert
 * benchmark prints the score both ways. Each entry says what the file shows.
 */
export interface ReferenceErratum {
  /** Path below ../shared/testdata/instruments. */
  file: string
  reason: string
  correct(expected: ExpectedDocument): ExpectedDocument
}

export const REFERENCE_ERRATA: ReferenceErratum[] = [
  {
    file: 'agilent_gen5/luminescence/spectral_scan.txt',
    reason:
      'the reference has an excitation of 480 nm with a 20 nm bandwidth; the file has no excitation setting and no 480 or 20 anywhere (it reads emission 300-700 nm)',
    correct: (expected) => ({
      ...expected,
      distinctValues: expected.distinctValues.filter((v) => v !== 480 && v !== 20),
      quantities: expected.quantities.filter(([v, u]) => !(u === 'nm' && (v === 480 || v === 20))),
    }),
  },
  {
    file: 'perkin_elmer_envision/PE_Envision_luminescence_example01.csv',
    reason:
      'the grids label their rows A, E, I and M (every fourth row of a 384-well plate); the reference renames them A, B, C, D by position, moving readings to wells that were not measured',
    correct: (expected) => {
      const rows: Record<string, string> = {B: 'E', C: 'I', D: 'M'}
      return {...expected, wellValues: expected.wellValues.map(([well, value]) => [well.replace(/^[BCD]/, (r) => rows[r]), value])}
    },
  },
]

export function correctedReference(relativePath: string, expected: ExpectedDocument): ExpectedDocument {
  const erratum = REFERENCE_ERRATA.find((e) => e.file === relativePath)
  return erratum ? erratum.correct(expected) : expected
}
