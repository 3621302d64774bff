import {compact} from '../asm.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import {customDocument, type CustomInformation, type Sample, sampleDocument, techniqueDocument, type TechniqueRun} from './common.js'

/** Light obscuration particle counting (ASM light-obscuration manifest): a size distribution per run. */
export interface ParticleSizeRow {
  identifier: string
  /** µm */
  particleSize: Quantity
  cumulativeCount?: Quantity
  cumulativeDensity?: Quantity
  differentialCount?: Quantity
  differentialDensity?: Quantity
}

export interface LightObscurationMeasurement {
  identifier: string
  time?: string
  sample: Sample
  settings: {
    sampleVolume?: Quantity
    detectorViewVolume?: Quantity
    repetitions?: Quantity
    dilutionFactor?: Quantity
    tareVolume?: Quantity
  }
  distribution: ParticleSizeRow[]
  custom?: CustomInformation
}

export interface LightObscurationRun extends TechniqueRun {
  analyst?: string
  measurements: LightObscurationMeasurement[]
}

/** The engineered document of the light obscuration technique, as the compiler checks it. */
export type LightObscurationDocument = ReturnType<typeof lightObscurationDocument>

export function lightObscurationDocument(input: ConverterInput, converter: Pick<Converter, 'name' | 'version'>, run: LightObscurationRun) {
  const deviceType = run.device.deviceType ?? 'light obscuration particle counter'
  return techniqueDocument(input, converter, run, {
    name: 'light obscuration',
    manifest: 'light-obscuration/REC/2024/09/light-obscuration.manifest',
    deviceType,
    documents: [
      {
        'measurement aggregate document': compact({
          analyst: run.analyst,
          'measurement document': run.measurements.map((m) =>
            compact({
              'measurement identifier': m.identifier,
              'measurement time': m.time,
              'sample document': sampleDocument(m.sample),
              'device control aggregate document': {
                'device control document': [
                  compact({
                    'device type': deviceType,
                    'sample volume setting': m.settings.sampleVolume,
                    'detector view volume': m.settings.detectorViewVolume,
                    'repetition setting': m.settings.repetitions,
                    'tare volume setting': m.settings.tareVolume,
                  }),
                ],
              },
              'processed data aggregate document': {
                'processed data document': [
                  compact({
                    'dilution factor setting': m.settings.dilutionFactor,
                    'distribution aggregate document': {
                      'distribution document': [
                        {
                          distribution: m.distribution.map((row) =>
                            compact({
                              'distribution identifier': row.identifier,
                              'particle size': row.particleSize,
                              'cumulative count': row.cumulativeCount,
                              'cumulative particle density': row.cumulativeDensity,
                              'differential count': row.differentialCount,
                              'differential particle density': row.differentialDensity,
                            }),
                          ),
                        },
                      ],
                    },
                  }),
                ],
              },
              'custom information document': customDocument(m.custom),
            }),
          ),
        }),
      },
    ],
  })
}

export const PARTICLE_UNITS = {size: 'µm', count: '(unitless)', density: 'Counts/mL'} as const
