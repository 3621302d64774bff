import {zipHeadEntries} from '../appbio-quantstudio/zip-head.js'
import {SECTION} from '../appbio-quantstudio/model.js'
import {readQpcrRun} from '../appbio-quantstudio/run.js'
import {readWorkbookExport, type WorkbookLayout} from '../appbio-quantstudio/workbook-reader.js'
import {LabmeshError} from '../../errors.js'
import {isXlsx} from '../spreadsheet/index.js'
import {qpcrDocument, type QpcrDocument} from '../models/qpcr.js'
import type {Converter, ConverterInput, DetectContext} from '../types.js'

/**
 * Applied Biosystems QuantStudio Design & Analysis software (QuantStudio 1-7 Pro) .xlsx exports:
 * one sheet per result kind (Results, Amplification Data, Multicomponent, Raw Data, replicate
 * group, standard curve, relative quantification, genotyping...), each repeating the run header
 * (two cells a row) then a table (a header row of three or more names). The table columns differ from the
 * classic QuantStudio software's only in their names, so both share one qPCR document builder.
 */
const SHEETS: Record<string, string> = {
  Primary_result: SECTION.results,
  Multicomponent: SECTION.multicomponent,
  'Melt Curve Raw': SECTION.meltCurve,
}
/** Sheets only this software writes (the classic software writes "Multicomponent Data"). */
const OWN_SHEETS = new Set([
  'Multicomponent',
  'Replicate Group Result',
  'Standard Curve Result',
  'RQ Replicate Group Result',
  'Genotyping Result',
  'Target Call',
  'Primary_result',
])
const COLUMNS: Record<string, string> = {
  Target: 'Target Name',
  Sample: 'Sample Name',
  'Cycle Number': 'Cycle',
  dRn: 'Delta Rn',
  Threshold: 'Cq Threshold',
  'Auto Threshold': 'Automatic Cq Threshold',
  'Auto Baseline': 'Automatic Baseline',
}
const LAYOUT: WorkbookLayout = {
  // Result sheets start their tables with "Well", "Well Position", "Sample" or "Target": any row of three or more names.
  firstColumn: () => true,
  sheetName: (name) => SHEETS[name] ?? name,
  columnName: (name) => COLUMNS[name] ?? name,
}

export const appbioQuantstudioDesignandanalysis: Converter = {
  name: 'appbio-quantstudio-designandanalysis',
  version: '1.0.0',
  technique: 'qPCR',
  description: 'Applied Biosystems QuantStudio Design & Analysis qPCR results (.xlsx) as ASM qPCR',

  detect(_name: string, head: Buffer, context?: DetectContext): number {
    if (!isXlsx(head)) return 0
    const strings =
      context?.workbook?.text ??
      [...zipHeadEntries(head, (name) => name === 'xl/sharedStrings.xml' || name.startsWith('xl/worksheets/sheet')).values()].join('')
    const sheets = context?.workbook?.sheetNames ?? []
    if (!/Block Type/.test(strings)) return 0
    // Its own sheets, or its name in the run header or the experiment's file path.
    const software = /Design (&amp;|&) Analysis|Plugin Name and Version/.test(strings)
    return software || sheets.some((name) => OWN_SHEETS.has(name)) ? 0.97 : 0
  },

  async convert(input: ConverterInput): Promise<QpcrDocument> {
    const exported = await readWorkbookExport(input, LAYOUT)
    if (exported.tables.size === 0) {
      throw new LabmeshError(
        'INVALID_DATA',
        `${input.name}: expected Design & Analysis sheets such as "Results" with a well table, found none`,
        {
          subject: input.name,
        },
      )
    }
    // Some exports (Diomni) name wells "A01" in the "Well" column and have no "Well Position".
    for (const table of exported.tables.values()) {
      const well = table.columns.indexOf('Well')
      if (well >= 0 && !table.columns.includes('Well Position') && typeof table.rows[0]?.[well] === 'string')
        table.columns[well] = 'Well Position'
    }
    return qpcrDocument(input, appbioQuantstudioDesignandanalysis, readQpcrRun(input, exported))
  },
}
