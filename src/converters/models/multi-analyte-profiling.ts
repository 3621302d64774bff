import {compact, optionalQuantity} from '../asm.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import {errorAggregate, type ReadingError, type Sample, sampleDocument, techniqueDocument, type TechniqueRun} from './common.js'

/** Multiplex bead assays (ASM multi-analyte-profiling manifest): per well, one reading per analyte bead region. */
export interface AnalyteReading {
  name: string
  beadIdentifier?: string
  beadCount?: Quantity
  fluorescence?: Quantity
  errors?: ReadingError[]
}

export interface MultiAnalyteMeasurement {
  identifier: string
  sample: Sample
  dilutionFactor?: Quantity
  totalEvents?: Quantity
  analytes: AnalyteReading[]
  errors?: ReadingError[]
}

export interface MultiAnalyteRun extends TechniqueRun {
  analyst?: string
  time?: string
  experimentalDataIdentifier?: string
  wellCount?: number
  /** Settings shared by every well: sample volume, minimum events per bead... */
  settings: Record<string, Quantity | string>
  measurements: MultiAnalyteMeasurement[]
}

/** The engineered document of the multi analyte profiling technique, as the compiler checks it. */
export type MultiAnalyteProfilingDocument = ReturnType<typeof multiAnalyteProfilingDocument>

export function multiAnalyteProfilingDocument(input: ConverterInput, converter: Pick<Converter, 'name' | 'version'>, run: MultiAnalyteRun) {
  const deviceType = run.device.deviceType ?? 'multi analyte profiling analyzer'
  const control = {'device control document': [{'device type': deviceType, ...run.settings}]}
  return techniqueDocument(input, converter, run, {
    name: 'multi analyte profiling',
    manifest: 'multi-analyte-profiling/BENCHLING/2024/01/multi-analyte-profiling.manifest',
    deviceType,
    documents: run.measurements.map((m) => ({
      'measurement aggregate document': compact({
        analyst: run.analyst,
        'measurement time': run.time,
        'experimental data identifier': run.experimentalDataIdentifier,
        'plate well count': optionalQuantity(run.wellCount, '#'),
        'measurement document': [
          compact({
            'measurement identifier': m.identifier,
            'sample document': sampleDocument(m.sample),
            'device control aggregate document': control,
            'dilution factor setting': m.dilutionFactor,
            'total event count': m.totalEvents,
            'analyte aggregate document': {
              'analyte document': m.analytes.map((a) =>
                compact({
                  'analyte name': a.name,
                  'assay bead identifier': a.beadIdentifier,
                  'assay bead count': a.beadCount,
                  fluorescence: a.fluorescence,
                  'error aggregate document': errorAggregate(a.errors),
                }),
              ),
            },
            'error aggregate document': errorAggregate(m.errors),
          }),
        ],
      }),
    })),
  })
}
