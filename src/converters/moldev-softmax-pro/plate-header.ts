import {LabmeshError} from '../../errors.js'
import {parseNumber} from '../numbers.js'
import {cells} from './blocks.js'

/** The settings line that opens a Plate block (`Plate:\tname\t1.3\tPlateFormat\tEndpoint\t...`). */
export interface PlateHeader {
  name: string
  exportVersion: string
  exportFormat: 'TimeFormat' | 'PlateFormat'
  readType: string
  readMode: string
  /** Fluorescence only: TRUE reads from the bottom of the plate. */
  bottomRead?: boolean
  dataType: string
  kineticPoints?: number
  readTime?: number
  readInterval?: number
  startWavelength?: number
  endWavelength?: number
  wavelengthStep?: number
  wavelengths: number[]
  numWells?: number
  excitationWavelengths: number[]
  cutoffMode?: string
  cutoffFilters: number[]
  readsPerWell?: number
  pmtGain?: string
  startIntegrationTime?: number
  endIntegrationTime?: number
}

/**
 * Field positions after `read mode`. SoftMax writes the same list for every read mode, except that
 * fluorescence adds a scan position (TRUE/FALSE) before the data type, and absorbance stops after
 * the well count with the first row and row count.
 */
const COMMON = [
  'dataType',
  'preRead',
  'kineticPoints',
  'readTime',
  'readInterval',
  'startWavelength',
  'endWavelength',
  'wavelengthStep',
  'numWavelengths',
  'wavelengths',
  'firstColumn',
  'numColumns',
  'numWells',
] as const
const EMISSION = [
  'excitationWavelengths',
  'cutoffMode',
  'cutoffFilters',
  'sweepWave',
  'sweepWavelength',
  'readsPerWell',
  'pmtGain',
  'startIntegrationTime',
  'endIntegrationTime',
] as const

export function parsePlateHeader(fileName: string, line: string): PlateHeader {
  const c = cells(line)
  const [, name, exportVersion, exportFormat, readType, readMode] = c
  if (!name || !readMode || (exportFormat !== 'TimeFormat' && exportFormat !== 'PlateFormat')) {
    throw new LabmeshError(
      'INVALID_DATA',
      `${fileName}: plate header "${line.slice(0, 60)}" does not give a name, TimeFormat/PlateFormat and a read mode`,
      {subject: fileName},
    )
  }
  const hasScanPosition = /^(TRUE|FALSE)$/i.test(c[6] ?? '') && /^(Raw|Reduced)$/i.test(c[7] ?? '')
  const field = new Map<string, string>()
  const names: string[] = [...COMMON, ...(readMode === 'Absorbance' ? [] : EMISSION)]
  const offset = hasScanPosition ? 7 : 6
  names.forEach((key, k) => field.set(key, c[offset + k] ?? ''))
  const num = (key: string): number | undefined => parseNumber(field.get(key))
  const text = (key: string): string | undefined => field.get(key) || undefined
  return {
    name,
    exportVersion: exportVersion ?? '',
    exportFormat,
    readType: readType ?? '',
    readMode,
    bottomRead: hasScanPosition ? c[6].toUpperCase() === 'TRUE' : undefined,
    dataType: field.get('dataType') ?? '',
    kineticPoints: num('kineticPoints'),
    readTime: num('readTime'),
    readInterval: num('readInterval'),
    startWavelength: num('startWavelength'),
    endWavelength: num('endWavelength'),
    wavelengthStep: num('wavelengthStep'),
    wavelengths: numberList(field.get('wavelengths')),
    numWells: num('numWells'),
    excitationWavelengths: numberList(field.get('excitationWavelengths')),
    cutoffMode: text('cutoffMode'),
    cutoffFilters: numberList(field.get('cutoffFilters')),
    readsPerWell: num('readsPerWell'),
    pmtGain: text('pmtGain'),
    startIntegrationTime: num('startIntegrationTime'),
    endIntegrationTime: num('endIntegrationTime'),
  }
}

/** "280 450 562 " -> [280, 450, 562]. */
function numberList(raw: string | undefined): number[] {
  if (!raw) return []
  return raw
    .split(/\s+/)
    .map((part) => parseNumber(part))
    .filter((n): n is number => n !== undefined)
}
