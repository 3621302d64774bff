import {LabmeshError} from '../../errors.js'
import {decodeText, looksBinary} from '../text.js'
import {qpcrDocument, type QpcrDocument} from '../models/qpcr.js'
import type {Converter, ConverterInput, DetectContext} from '../types.js'
import {type QuantStudioExport, SECTION} from './model.js'
import {readQpcrRun} from './run.js'
import {readTextExport} from './text-reader.js'
import {readWorkbookExport} from './workbook-reader.js'
import {isZip, zipHeadEntries} from './zip-head.js'

/**
 * Applied Biosystems QuantStudio Real-Time PCR Software exports (QuantStudio 3/5/6/7/12K Flex,
 * ViiA 7): the tab-separated text export and the same content as an .xlsx workbook.
 */

const SECTIONS: string[] = Object.values(SECTION)
/** Experiment header keys the software writes in every export. */
const HEADER_KEYS = [
  'Block Type',
  'Experiment Type',
  'Instrument Type',
  'Quantification Cycle Method',
  'Passive Reference',
  'Chemistry',
  'Experiment Run End Time',
]

export const appbioQuantstudio: Converter = {
  name: 'appbio-quantstudio',
  version: '1.0.0',
  technique: 'qPCR',
  description: 'Applied Biosystems QuantStudio / ViiA 7 qPCR results (tab-separated text or .xlsx export)',

  detect(_name: string, head: Buffer, context?: DetectContext): number {
    if (head.length === 0) return 0
    return isZip(head) ? detectWorkbook(head, context) : detectText(head)
  },

  async convert(input: ConverterInput): Promise<QpcrDocument> {
    const exported = isZip(input.bytes) ? await readWorkbook(input) : readText(input)
    return qpcrDocument(input, appbioQuantstudio, readQpcrRun(input, exported))
  },
}

function detectText(head: Buffer): number {
  if (looksBinary(head)) return 0
  const text = decodeText(head)
  const keys = HEADER_KEYS.filter((key) => new RegExp(`^\\*\\s*${key}\\s*=`, 'm').test(text)).length
  const sections = SECTIONS.filter((section) => text.includes(`\n[${section}]`)).length
  if (keys >= 2 && sections >= 1) return 1
  // A header without any known section, or sections without the header: a related export at best.
  if (keys >= 2 || (sections >= 2 && /^Well\tWell Position\t/m.test(text))) return 0.4
  return 0
}

function detectWorkbook(head: Buffer, context: DetectContext | undefined): number {
  const entries = context?.workbook
    ? undefined
    : zipHeadEntries(
        head,
        (name) => name === 'xl/workbook.xml' || name === 'xl/sharedStrings.xml' || /^xl\/worksheets\/sheet\d+\.xml$/.test(name),
      )
  const sheetNames =
    context?.workbook?.sheetNames ??
    [...(entries?.get('xl/workbook.xml') ?? '').matchAll(/<sheet\b[^>]*\bname="([^"]*)"/g)].map((m) => m[1].trim())
  // Summary text holds strings without their XML tags; head entries hold XML.
  const strings = context?.workbook ? context.workbook.text.replace(/^(.*)$/gm, '>$1<') : [...entries!.values()].join('\n')
  const keys = HEADER_KEYS.filter((key) => new RegExp(`>\\s*${key}\\s*<`).test(strings)).length
  const sheets = sheetNames.filter((name) => SECTIONS.includes(name)).length
  if (keys >= 2 && (sheets >= 1 || />\s*Well Position\s*</.test(strings))) return 0.95
  if (keys >= 2) return 0.8
  return sheets >= 2 ? 0.6 : 0
}

function readText(input: ConverterInput): QuantStudioExport {
  if (input.bytes.length === 0 || looksBinary(input.bytes.subarray(0, 8192))) {
    invalid(input.name, 'a QuantStudio text export ("* Block Type = ..." header and [Results] section) and found no text')
  }
  const exported = readTextExport(decodeText(input.bytes))
  if (exported.tables.size === 0)
    invalid(input.name, 'QuantStudio sections such as [Sample Setup] or [Results] and found none (truncated file?)')
  return exported
}

async function readWorkbook(input: ConverterInput): Promise<QuantStudioExport> {
  const exported = await readWorkbookExport(input)
  if (exported.tables.size === 0) invalid(input.name, 'QuantStudio sheets such as "Results" with a "Well" table and found none')
  return exported
}

function invalid(file: string, expected: string): never {
  throw new LabmeshError('INVALID_DATA', `${file}: expected ${expected}`, {subject: file})
}
