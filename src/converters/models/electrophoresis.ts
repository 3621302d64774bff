import {compact} from '../asm.js'
import type {Converter, ConverterInput, Quantity} from '../types.js'
import {customDocument, type CustomInformation, type Sample, sampleDocument, techniqueDocument, type TechniqueRun} from './common.js'

/** Electrophoresis (ASM electrophoresis manifest): per sample lane, its peaks and size regions. */
export interface ElectrophoresisPeak {
  identifier: string
  name?: string
  /** Fragment size and the size range it spans. */
  size?: Quantity
  start?: Quantity
  end?: Quantity
  area?: Quantity
  relativeArea?: Quantity
  relativeCorrectedArea?: Quantity
  height?: Quantity
  concentration?: Quantity
  molarity?: Quantity
  other?: Record<string, Quantity | string>
}

export interface ElectrophoresisMeasurement {
  identifier: string
  time?: string
  sample: Sample
  settings: Record<string, Quantity | string>
  /** Sample-level results: concentration, integrity numbers, ratios. */
  results: Record<string, Quantity | string>
  peaks: ElectrophoresisPeak[]
  regions: ElectrophoresisPeak[]
  custom?: CustomInformation
}

export interface ElectrophoresisRun extends TechniqueRun {
  analyst?: string
  analyticalMethod?: string
  measurements: ElectrophoresisMeasurement[]
}

function peakDocument(peak: ElectrophoresisPeak): Record<string, unknown> {
  return compact({
    identifier: peak.identifier,
    'peak name': peak.name,
    'peak position': peak.size,
    'peak start': peak.start,
    'peak end': peak.end,
    'peak area': peak.area,
    'relative peak area': peak.relativeArea,
    'relative corrected peak area': peak.relativeCorrectedArea,
    'peak height': peak.height,
    'mass concentration': peak.concentration,
    'molar concentration': peak.molarity,
    ...peak.other,
  })
}

/** The engineered document of the electrophoresis technique, as the compiler checks it. */
export type ElectrophoresisDocument = ReturnType<typeof electrophoresisDocument>

export function electrophoresisDocument(input: ConverterInput, converter: Pick<Converter, 'name' | 'version'>, run: ElectrophoresisRun) {
  const deviceType = run.device.deviceType ?? 'electrophoresis instrument'
  return techniqueDocument(input, converter, run, {
    name: 'electrophoresis',
    manifest: 'electrophoresis/REC/2024/09/electrophoresis.manifest',
    deviceType,
    documents: run.measurements.map((m) => ({
      'measurement aggregate document': compact({
        analyst: run.analyst,
        'analytical method identifier': run.analyticalMethod,
        'measurement document': [
          compact({
            'measurement identifier': m.identifier,
            'measurement time': m.time,
            'sample document': sampleDocument(m.sample),
            'device control aggregate document': {'device control document': [{'device type': deviceType, ...m.settings}]},
            'processed data aggregate document': {
              'processed data document': [
                compact({
                  ...m.results,
                  'peak list': m.peaks.length > 0 ? {peak: m.peaks.map(peakDocument)} : undefined,
                  'data region aggregate document':
                    m.regions.length > 0 ? {'data region document': m.regions.map(peakDocument)} : undefined,
                }),
              ],
            },
            'custom information document': customDocument(m.custom),
          }),
        ],
      }),
    })),
  })
}
