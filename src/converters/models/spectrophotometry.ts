import {compact, optionalQuantity} from '../asm.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import {
  calculatedAggregate,
  type CalculatedValue,
  customDocument,
  type CustomInformation,
  errorAggregate,
  type ReadingError,
  type Sample,
  sampleDocument,
  techniqueDocument,
  type TechniqueRun,
} from './common.js'
import {type DataCube, dataCubeDocument} from './data-cube.js'

/** UV-vis spectrophotometry (ASM spectrophotometry manifest): absorbance at wavelengths, spectra, concentrations. */
export interface SpectrophotometryMeasurement {
  identifier: string
  sample: Sample
  /** Absorbance (mAU, as ASM spells absorbance units) read at `wavelength`. */
  absorbance?: Quantity
  wavelength?: number
  concentration?: Quantity
  spectrum?: DataCube
  pathLength?: Quantity
  errors?: ReadingError[]
  custom?: CustomInformation
}

export interface SpectrophotometryGroup {
  time?: string
  analyst?: string
  experimentType?: string
  measurements: SpectrophotometryMeasurement[]
  calculated?: CalculatedValue[]
  custom?: CustomInformation
}

export interface SpectrophotometryRun extends TechniqueRun {
  groups: SpectrophotometryGroup[]
}

/** The engineered document of the spectrophotometry technique, as the compiler checks it. */
export type SpectrophotometryDocument = ReturnType<typeof spectrophotometryDocument>

export function spectrophotometryDocument(
  input: ConverterInput,
  converter: Pick<Converter, 'name' | 'version'>,
  run: SpectrophotometryRun,
) {
  const deviceType = run.device.deviceType ?? 'spectrophotometer'
  return techniqueDocument(input, converter, run, {
    name: 'spectrophotometry',
    manifest: 'spectrophotometry/REC/2024/06/spectrophotometry.manifest',
    deviceType,
    documents: run.groups.map((group) =>
      compact({
        analyst: group.analyst,
        'measurement aggregate document': compact({
          'measurement time': group.time,
          'experiment type': group.experimentType,
          'measurement document': group.measurements.map((m) =>
            compact({
              'measurement identifier': m.identifier,
              'sample document': sampleDocument(m.sample),
              'device control aggregate document': {
                'device control document': [
                  compact({
                    'device type': deviceType,
                    'detector wavelength setting': optionalQuantity(m.wavelength, 'nm'),
                    'path length': m.pathLength,
                  }),
                ],
              },
              absorbance: m.absorbance,
              'mass concentration': m.concentration,
              'absorption spectrum data cube': m.spectrum ? dataCubeDocument(m.spectrum) : undefined,
              'error aggregate document': errorAggregate(m.errors),
              'custom information document': customDocument(m.custom),
            }),
          ),
        }),
        'calculated data aggregate document': calculatedAggregate(group.calculated ?? []),
        'custom information document': customDocument(group.custom),
      }),
    ),
  })
}
