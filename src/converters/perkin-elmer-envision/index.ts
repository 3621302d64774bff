import type {BuiltinDocument} from '../models/documents.js'
import {LabmeshError} from '../../errors.js'
import {decodeText, looksBinary} from '../text.js'
import type {Converter, ConverterInput} from '../types.js'
import {buildDocument} from './document.js'
import {GridError, isPlateStart, readPlates} from './plates.js'
import {readProtocol} from './protocol.js'

/**
 * PerkinElmer EnVision (EnVision Workstation / Manager) CSV exports: plate blocks with plate
 * information, background information and result or calculated-result grids, then the basic
 * assay information and protocol information (plate type, plate map, labels, filters, instrument).
 */
export const perkinElmerEnvision: Converter<BuiltinDocument> = {
  name: 'perkin-elmer-envision',
  version: '1.0.0',
  technique: 'plate reader',
  description: 'PerkinElmer EnVision plate reader CSV exports (results, calculated results, labels, filters) as ASM plate reader',
  detect(_name, head) {
    if (head.length === 0 || looksBinary(head)) return 0
    const text = decodeText(head)
    if (!/^Plate information/m.test(text)) return 0
    const markers = [
      /^Plate,Repeat,Barcode/m,
      /^Background information/m,
      /^Basic assay information/m,
      /^Exported with EnVision/m,
      /Measured height/,
    ].filter((re) => re.test(text)).length
    return markers >= 2 ? 0.95 : markers === 1 ? 0.7 : 0.3
  },
  convert(input) {
    return convertEnvision(input)
  },
}

function invalid(input: ConverterInput, what: string): LabmeshError {
  return new LabmeshError('INVALID_DATA', `${input.name}: ${what}`, {subject: input.name})
}

function convertEnvision(input: ConverterInput) {
  if (input.bytes.length === 0 || looksBinary(input.bytes)) {
    throw invalid(input, 'expected a PerkinElmer EnVision CSV export, found empty or binary content')
  }
  const text = decodeText(input.bytes)
  const lines = text.split('\n')
  const start = lines.findIndex((line) => isPlateStart(line))
  if (start < 0) throw invalid(input, 'no "Plate information" section found')
  let read
  try {
    read = readPlates(lines, start)
  } catch (error) {
    if (error instanceof GridError) throw invalid(input, error.message)
    throw error
  }
  // EnVision ends every export with its "Exported with" line; a file cut short ends anywhere else.
  const lastLine = lines.findLast((line) => line.trim() !== '') ?? ''
  if (!text.endsWith('\n') && !/^Exported with /.test(lastLine.trim())) {
    throw invalid(input, 'the file ends mid-line without the closing "Exported with" line: it looks truncated')
  }
  // Only the assay and protocol sections may follow the plates; anything else is a plate block this reader lost.
  const after = lines[read.next]
  if (after !== undefined && !/^(Basic assay information|Protocol information|Exported with )/i.test(after.trim())) {
    throw invalid(
      input,
      `line ${read.next + 1} "${after.slice(0, 60)}" is neither a "Plate information" block nor the assay information that follows the plates`,
    )
  }
  const protocol = readProtocol(lines, read.next)
  return buildDocument(input, read.plates, protocol, perkinElmerEnvision)
}
