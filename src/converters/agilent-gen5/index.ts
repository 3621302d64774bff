import type {BuiltinDocument} from '../models/documents.js'
import {LabmeshError} from '../../errors.js'
import {decodeText, looksBinary} from '../text.js'
import type {Converter, ConverterInput} from '../types.js'
import {buildDocument} from './document.js'
import {readSections} from './sections.js'

/** Gen5's text export opens with these header lines; other plate reader software writes none of them. */
const SOFTWARE_VERSION = /^\s*Software Version\t/m
const PROCEDURE_DETAILS = /^Procedure Details\s*$/m
const PLATE_HEADER = /^(Plate Number|Reader Type:|Reader Serial Number:|Experiment File Path:|Protocol File Path:)/m

/** How much of the head the detector reads: the header and procedure sit in the first few kilobytes. */
const DETECT_CHARS = 16 * 1024

export const agilentGen5: Converter<BuiltinDocument> = {
  name: 'agilent-gen5',
  version: '1.0.0',
  technique: 'plate reader',
  description:
    'Agilent BioTek Gen5 text exports: endpoint, kinetic, spectrum and area-scan reads of absorbance, fluorescence and luminescence, with calculated values',

  detect(_name: string, head: Buffer): number {
    if (head.length === 0 || looksBinary(head)) return 0
    const text = decodeText(head).slice(0, DETECT_CHARS)
    const version = SOFTWARE_VERSION.test(text)
    const procedure = PROCEDURE_DETAILS.test(text)
    const plate = PLATE_HEADER.test(text)
    if (version && procedure) return plate ? 0.95 : 0.9
    if ((version || procedure) && plate) return 0.7
    return 0
  },

  convert(input: ConverterInput) {
    const {name, bytes} = input
    if (bytes.length === 0) {
      throw new LabmeshError('INVALID_DATA', `${name}: the file is empty; expected a Gen5 text export`, {subject: name})
    }
    const text = decodeText(bytes)
    // Control characters other than tab and line ends mean binary data (checked on the decoded head: cheaper than byte by byte).
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    if (/[\x00-\x08\x0e-\x1f]/.test(text.slice(0, 8192))) {
      throw new LabmeshError('INVALID_DATA', `${name}: binary data; expected a Gen5 text export (tab-separated text)`, {subject: name})
    }
    if (!SOFTWARE_VERSION.test(text) || !(PROCEDURE_DETAILS.test(text) || PLATE_HEADER.test(text))) {
      throw new LabmeshError(
        'INVALID_DATA',
        `${name}: not a Gen5 text export: expected "Software Version" and "Procedure Details" header lines`,
        {
          subject: name,
        },
      )
    }
    return buildDocument(input, agilentGen5, readSections(text, name))
  },
}
