import {randomUUID} from 'node:crypto'

import type {Label, NewFileRecord} from '../../src/backends/types.js'

/**
 * Generated file records shaped like a lab's: raw instrument exports with metadata from path
 * templates and sniffing, labels, and for each one its engineered document's words. Seeded,
 * so every run indexes and queries the same lake.
 */

interface Instrument {
  name: string
  short: string
  technique: string
  device: string
  maker: string
  software: string
  analytes: string[]
  units: string[]
  assays: string[]
  ext: string
}

export const INSTRUMENTS: Instrument[] = [
  {
    name: 'perkin-elmer-envision',
    short: 'envision',
    technique: 'plate reader',
    device: 'EnVision',
    maker: 'PerkinElmer',
    software: 'EnVision Workstation',
    analytes: ['BCA Absorbance', 'AlphaLISA', 'TR-FRET'],
    units: ['mAU', 'RFU', 'RLU'],
    assays: ['bca', 'alphalisa', 'htrf'],
    ext: 'csv',
  },
  {
    name: 'roche-cedex-bioht',
    short: 'cedex',
    technique: 'solution analyzer',
    device: 'CEDEX BIO HT',
    maker: 'Roche',
    software: 'CEDEX BIO HT',
    analytes: ['glucose', 'lactate', 'glutamine', 'glutamate', 'ammonium', 'LDH', 'IgG'],
    units: ['mmol/L', 'g/L', 'U/L'],
    assays: ['metabolites', 'titer'],
    ext: 'txt',
  },
  {
    name: 'thermo-fisher-nanodrop-eight',
    short: 'nanodrop',
    technique: 'spectrophotometry',
    device: 'NanoDrop Eight',
    maker: 'Thermo Fisher Scientific',
    software: 'NanoDrop Eight',
    analytes: ['dsDNA', 'RNA', 'Protein A280'],
    units: ['ng/µL', 'AU'],
    assays: ['nucleic-acid', 'a280'],
    ext: 'txt',
  },
  {
    name: 'appbio-quantstudio',
    short: 'quantstudio',
    technique: 'qPCR',
    device: 'QuantStudio 7 Flex',
    maker: 'Applied Biosystems',
    software: 'QuantStudio Design & Analysis',
    analytes: ['GAPDH', 'ACTB', 'IL6', 'TNF', 'CD19'],
    units: ['Ct', '(unitless)'],
    assays: ['qpcr', 'genotyping'],
    ext: 'xlsx',
  },
  {
    name: 'beckman-vi-cell-blu',
    short: 'vi-cell',
    technique: 'cell counting',
    device: 'Vi-CELL BLU',
    maker: 'Beckman Coulter',
    software: 'Vi-CELL BLU',
    analytes: ['viable cells', 'viability', 'cell diameter'],
    units: ['cells/mL', '%', 'µm'],
    assays: ['cell-count'],
    ext: 'csv',
  },
  {
    name: 'agilent-gen5',
    short: 'gen5',
    technique: 'plate reader',
    device: 'Synergy H1',
    maker: 'BioTek',
    software: 'Gen5',
    analytes: ['Fluorescamine', 'Luciferase', 'OD600'],
    units: ['RFU', 'RLU', 'OD'],
    assays: ['growth', 'luciferase', 'protein'],
    ext: 'txt',
  },
  {
    name: 'bmg-mars',
    short: 'mars',
    technique: 'plate reader',
    device: 'CLARIOstar',
    maker: 'BMG Labtech',
    software: 'MARS',
    analytes: ['Transcreener ADP2 FI', 'Luminescence'],
    units: ['RFU', 'RLU'],
    assays: ['kinase', 'viability'],
    ext: 'csv',
  },
  {
    name: 'moldev-softmax-pro',
    short: 'softmax',
    technique: 'plate reader',
    device: 'SpectraMax M5',
    maker: 'Molecular Devices',
    software: 'SoftMax Pro',
    analytes: ['ELISA OD450', 'Absorbance 562'],
    units: ['mAU', 'OD'],
    assays: ['elisa', 'bca'],
    ext: 'txt',
  },
]
export const SITES = ['boston', 'cambridge', 'basel', 'san-diego', 'shanghai']
export const PROJECTS = Array.from({length: 30}, (_, i) => `${['ONC', 'IMM', 'NEU', 'CMC', 'BIO', 'GEN'][i % 6]}-${101 + i}`)
export const USERS = ['akim', 'bnovak', 'cruiz', 'dpatel', 'eokafor', 'fchen', 'gmuller', 'hsato', 'iandersen', 'jsmith', 'kwong', 'lrossi']
const STATUSES = ['approved', 'pending', 'rejected']
const WELLS = Array.from({length: 96}, (_, i) => `${String.fromCharCode(65 + Math.floor(i / 12))}${(i % 12) + 1}`)
export const SAMPLE_POOL = 20_000
export const FIRST_DAY = Date.parse('2023-01-01T00:00:00Z')
export const DAYS = 900

/** mulberry32: a small seeded generator, so runs compare. */
export function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]
export const sampleId = (n: number): string => `S-${String(n).padStart(6, '0')}`

/** `count` records: a raw export, then its engineered document on the same trace, and so on. */
export function* labRecords(count: number, seed = 7): Generator<NewFileRecord> {
  const rnd = random(seed)
  for (let i = 0; i < count; i += 2) {
    const instrument = pick(rnd, INSTRUMENTS)
    const site = pick(rnd, SITES)
    const project = pick(rnd, PROJECTS)
    const assay = pick(rnd, instrument.assays)
    const sample = sampleId(Math.floor(rnd() * SAMPLE_POOL))
    const time = new Date(FIRST_DAY + Math.floor(rnd() * DAYS * 86_400_000)).toISOString()
    const plate = `PLT${String(Math.floor(rnd() * 1e7)).padStart(7, '0')}`
    const labels: Label[] = [{name: 'site', value: site}]
    if (rnd() < 0.6) labels.push({name: 'status', value: pick(rnd, STATUSES)})
    if (rnd() < 0.3) labels.push({name: 'batch', value: `B-${Math.floor(rnd() * 400)}`})
    const metadata = {
      time,
      instrument: instrument.name,
      technique: instrument.technique,
      project,
      sample,
      assay,
      user: pick(rnd, USERS),
      plate,
    }
    const sourcePath = `/lab/${site}/${project}/${instrument.short}/${time.slice(0, 10)}/${sample}_${assay}_run${i % 7}.${instrument.ext}`
    const raw: NewFileRecord = {
      fileId: randomUUID(),
      category: 'RAW',
      traceId: randomUUID(),
      rawFileId: null,
      sha256: randomUUID().replaceAll('-', '').padEnd(64, '0'),
      size: Math.floor(2000 * Math.exp(rnd() * 8)),
      sourcePath,
      sourceHost: 'lab-pc-01',
      ingestedAt: time,
      modifiedAt: time,
      version: 1,
      metadata,
      labels,
      status: 'converted',
      error: null,
    }
    yield raw
    if (i + 1 >= count) return
    yield {
      ...raw,
      fileId: randomUUID(),
      category: 'ENGINEERED',
      rawFileId: raw.fileId,
      sha256: randomUUID().replaceAll('-', '').padEnd(64, '1'),
      size: Math.floor(raw.size * 1.8),
      metadata: {...metadata, converter: instrument.name, 'converter version': '1.0.0'},
      searchText: documentWords(rnd, instrument, sample, plate),
    }
  }
}

/** What document-text.ts takes from a document of this instrument: device, plate, wells' samples, analytes, units. */
function documentWords(rnd: () => number, instrument: Instrument, sample: string, plate: string): string {
  const wells = WELLS.slice(0, 8 + Math.floor(rnd() * 40))
  return [
    instrument.device,
    instrument.maker,
    `SN${Math.floor(rnd() * 1e6)}`,
    instrument.software,
    plate,
    ...instrument.analytes.filter(() => rnd() < 0.7),
    ...instrument.units,
    ...wells.flatMap((well) => [`${sample}-${well}`, well]),
    'unknown sample role',
    pick(rnd, ['standard curve', 'endpoint', 'kinetic', 'spectrum']),
  ].join('\n')
}
