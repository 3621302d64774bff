import type {BuiltinDocument} from '../models/documents.js'
import {LabmeshError} from '../../errors.js'
import type {CustomInformation} from '../models/common.js'
import {type PlateReaderGroup, plateReaderDocument, type PlateReaderRun} from '../models/plate-reader.js'
import {decodeText, looksBinary} from '../text.js'
import type {Converter, ConverterInput} from '../types.js'
import {BLOCKS_LINE, splitBlocks} from './blocks.js'
import {CalculatedData, type MeasurementIndex} from './calculated.js'
import {type Group, type Note, parseGroup, parseNote} from './groups.js'
import {PlateMeasurements} from './measurements.js'
import {parsePlate, type Plate} from './plate-data.js'

const SUPPORTED_READ_TYPES = new Set(['Endpoint', 'Kinetic', 'Spectrum'])

export const moldevSoftmaxPro: Converter<BuiltinDocument> = {
  name: 'moldev-softmax-pro',
  version: '1.0.0',
  technique: 'plate reader',
  description:
    'Molecular Devices SoftMax Pro plate and group text exports (endpoint, kinetic, spectrum; absorbance, fluorescence, luminescence)',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0 || looksBinary(head)) return 0
    // The first few kB hold the ##BLOCKS line and the first block's opening line.
    const text = decodeText(head.subarray(0, 8192))
    const lines = text.split('\n', 40).map((l) => l.trim())
    const blocksLine = BLOCKS_LINE.test(lines.find((l) => l !== '') ?? '')
    const plateLine = lines.some((l) => /^Plate:\t[^\t]*\t\d+(\.\d+)?\t(TimeFormat|PlateFormat)\t/.test(l))
    const blockStart = lines.some((l) => /^(Plate|Group|Note):/.test(l))
    if (blocksLine && (plateLine || blockStart)) return 0.95
    if (blocksLine) return 0.7
    if (plateLine) return 0.6
    return 0
  },

  convert(input: ConverterInput) {
    const {name, bytes} = input
    if (bytes.length === 0)
      throw new LabmeshError(
        'INVALID_DATA',
        `${name}: the file is empty, expected a SoftMax Pro export ("##BLOCKS= n" then Plate blocks)`,
        {subject: name},
      )
    if (looksBinary(bytes.subarray(0, 8192)))
      throw new LabmeshError('INVALID_DATA', `${name}: binary content, expected a SoftMax Pro text export`, {subject: name})
    const file = splitBlocks(name, decodeText(bytes))
    const plates: Plate[] = []
    const groups: Group[] = []
    const notes: Note[] = []
    const otherBlocks: {kind: string; lines: string[]}[] = []
    for (const block of file.blocks) {
      // Only a Plate block is ever left open by SoftMax (and its parser checks its data): any other cut before its ~End lost rows.
      if (!block.closed && block.kind !== 'Plate') {
        throw new LabmeshError(
          'INVALID_DATA',
          `${name}: the file ends inside its ${block.kind} block, before "~End": the file is truncated`,
          {
            subject: name,
          },
        )
      }
      if (block.kind === 'Plate') plates.push(checkReadType(name, parsePlate(name, block.lines, block.closed)))
      else if (block.kind === 'Group') groups.push(parseGroup(block.lines))
      else if (block.kind === 'Note') notes.push(parseNote(block.lines))
      else otherBlocks.push({kind: block.kind, lines: block.lines.filter((l) => l.trim() !== '').map((l) => l.trim())})
    }
    if (plates.length === 0)
      throw new LabmeshError('INVALID_DATA', `${name}: no Plate block: the export holds no plate readings`, {subject: name})

    const defaultPlate = plates.length === 1 ? plates[0].header.name : undefined
    const sampleIds = sampleIdentifiers(groups, defaultPlate)
    const index: MeasurementIndex = new Map()
    let count = 0
    const nextId = (): string => `${name}_${++count}`
    const groupsOfWells: PlateReaderGroup[] = []
    for (const plate of plates) {
      const plateName = plate.header.name
      const builder = new PlateMeasurements(plate)
      const feature = builder.concept.key
      const byWell = index.get(plateName) ?? new Map()
      index.set(plateName, byWell)
      plate.wells.forEach((well, w) => {
        const measurements = builder.forWell(w, sampleIds.get(plateName)?.get(well), nextId)
        if (measurements.length === 0) return
        byWell.set(well, [...(byWell.get(well) ?? []), ...measurements.map((m) => ({id: m.identifier, feature}))])
        groupsOfWells.push({wellCount: plate.header.numWells, measurements})
      })
    }
    if (groupsOfWells.length === 0) throw new LabmeshError('INVALID_DATA', `${name}: the Plate blocks hold no well cells`, {subject: name})

    const calculated = new CalculatedData(name, index, defaultPlate)
    for (const plate of plates) calculated.addReduced(plate)
    for (const group of groups) calculated.addGroup(group)
    for (const note of notes) calculated.addNote(note)

    const noteText = notes.flatMap((n) => n.text)
    const groupText = groups.filter((g) => g.text.length > 0).map((g) => ({group: g.name, text: g.text}))
    const custom: CustomInformation = {}
    const exportVersion = plates[0].header.exportVersion
    if (exportVersion) custom['file export version'] = exportVersion
    if (file.originalFileName) custom['original file name'] = file.originalFileName
    if (file.dateLastSaved) custom['date last saved'] = file.dateLastSaved
    if (noteText.length > 0) custom.notes = noteText
    const sections: NonNullable<PlateReaderRun['sections']> = {}
    if (groupText.length > 0) sections['group notes'] = groupText
    if (otherBlocks.length > 0) sections['other blocks'] = otherBlocks
    return plateReaderDocument(input, moldevSoftmaxPro, {
      device: {manufacturer: 'Molecular Devices'},
      software: {name: 'SoftMax Pro'},
      groups: groupsOfWells,
      calculated: calculated.values,
      custom,
      sections,
    })
  },
}

function checkReadType(name: string, plate: Plate): Plate {
  if (!SUPPORTED_READ_TYPES.has(plate.header.readType)) {
    throw new LabmeshError(
      'UNSUPPORTED',
      `${name}: plate ${plate.header.name} is a "${plate.header.readType}" read; only Endpoint, Kinetic and Spectrum reads are supported`,
      {subject: name},
    )
  }
  return plate
}

/** Sample names from the group tables, by plate and well; a well keeps the first name it is given. */
function sampleIdentifiers(groups: Group[], defaultPlate: string | undefined): Map<string, Map<string, string>> {
  const ids = new Map<string, Map<string, string>>()
  for (const group of groups) {
    for (const sample of group.samples) {
      if (!sample.sample) continue
      for (const row of sample.rows) {
        const plate = row.plate ?? defaultPlate
        if (!row.well || plate === undefined) continue
        const byWell = ids.get(plate) ?? new Map<string, string>()
        ids.set(plate, byWell)
        if (!byWell.has(row.well)) byWell.set(row.well, sample.sample)
      }
    }
  }
  return ids
}
