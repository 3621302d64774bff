import {compact, optionalQuantity} from '../asm.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import {
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

/** Digital PCR (ASM dPCR manifest): per well and target, partition counts and the copy concentration. */
export interface DpcrMeasurement {
  identifier: string
  time?: string
  sample: Sample
  target?: string
  reporterDye?: string
  passiveReferenceDye?: string
  totalPartitions?: Quantity
  positivePartitions?: Quantity
  negativePartitions?: Quantity
  /** Copies per µL. */
  concentration?: Quantity
  confidenceInterval95?: Quantity
  thresholdSetting?: Quantity
  cubes?: DataCube[]
  errors?: ReadingError[]
  custom?: CustomInformation
}

export interface DpcrRun extends TechniqueRun {
  experimentalDataIdentifier?: string
  wellCount?: number
  measurements: DpcrMeasurement[]
}

/** The engineered document of the dPCR technique, as the compiler checks it. */
export type DpcrDocument = ReturnType<typeof dpcrDocument>

export function dpcrDocument(input: ConverterInput, converter: Pick<Converter, 'name' | 'version'>, run: DpcrRun) {
  const deviceType = run.device.deviceType ?? 'dPCR'
  // One document per well: its targets' measurements together.
  const byWell = new Map<string, DpcrMeasurement[]>()
  for (const m of run.measurements) {
    const key = `${m.sample.plate ?? ''}\u0000${m.sample.location ?? m.sample.identifier ?? m.identifier}`
    const list = byWell.get(key)
    if (list) list.push(m)
    else byWell.set(key, [m])
  }
  return techniqueDocument(input, converter, run, {
    name: 'dPCR',
    manifest: 'pcr/BENCHLING/2023/09/dpcr.manifest',
    deviceType,
    documents: [...byWell.values()].map((measurements) => ({
      'measurement aggregate document': compact({
        'experimental data identifier': run.experimentalDataIdentifier,
        'plate well count': optionalQuantity(run.wellCount, '#'),
        'measurement document': measurements.map((m) =>
          compact({
            'measurement identifier': m.identifier,
            'measurement time': m.time,
            'target DNA reference': m.target,
            'sample document': sampleDocument(m.sample),
            'device control aggregate document': {
              'device control document': [
                compact({
                  'device type': deviceType,
                  'reporter dye setting': m.reporterDye,
                  'passive reference dye setting': m.passiveReferenceDye,
                  'fluorescence intensity threshold setting': m.thresholdSetting,
                }),
              ],
            },
            'processed data aggregate document': {
              'processed data document': [
                compact({
                  'number concentration': m.concentration,
                  'total partition count': m.totalPartitions,
                  'positive partition count': m.positivePartitions,
                  'negative partition count': m.negativePartitions,
                  'confidence interval (95%)': m.confidenceInterval95,
                }),
              ],
            },
            ...Object.fromEntries((m.cubes ?? []).map((cube) => [`${cube.label} data cube`, dataCubeDocument(cube)])),
            'error aggregate document': errorAggregate(m.errors),
            'custom information document': customDocument(m.custom),
          }),
        ),
      }),
    })),
  })
}
