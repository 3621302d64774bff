import {quantity} from '../asm.js'
import type {Quantity} from '../types.js'
import {rowIndex} from '../wells.js'
import {isBlank, splitCsv, typedValue, unwrap} from './csv.js'

/**
 * The tail of an EnVision export, after the plates:
 *   Basic assay information    "Assay ID: ,,,,3134" lines
 *   Protocol information       subsections titled "Name:" (Protocol, Plate type, Platemap, Calculations,
 *                              Auto export parameters, Operations, Labels, Filters, Mirror modules,
 *                              Aperture, Instrument, Normalization), each "key,,,,value" lines
 *   Exported with <software> version <version>
 */
export type Setting = number | string | Quantity

/** A named entry of Labels, Filters, Mirror modules or Aperture: "Name,,,,id" then its settings. */
export interface NamedEntry {
  name: string
  id: Setting
  settings: Record<string, Setting>
}

export interface Filter extends NamedEntry {
  wavelength?: Quantity
  bandwidth?: Quantity
}

export interface PlateMap {
  plate: string
  group?: string
  /** Well -> code as written ("STD1", "BL", "-"). */
  codes: Record<string, string>
  /** What the codes mean, as written (" - - Undefined"). */
  legend: string[]
}

export interface Protocol {
  assay: Record<string, string>
  /** Subsections read as one flat record of settings. */
  sections: Record<string, Record<string, Setting>>
  labels: NamedEntry[]
  filters: Filter[]
  /** Mirror modules, apertures and other named-entry subsections. */
  modules: Record<string, NamedEntry[]>
  calculations: Record<string, Setting>[]
  plateMaps: PlateMap[]
  /** Lines kept verbatim (plate corner coordinates, the operations tree). */
  text: Record<string, string[]>
  software?: {name: string; version: string}
}

const NAMED_SECTIONS = new Set(['Labels', 'Filters', 'Mirror modules', 'Aperture'])
const TEXT_SECTIONS = new Set(['Coordinates of corners', 'Operations'])

function pair(line: string): [string, string] {
  const cells = splitCsv(line)
  const value =
    cells
      .slice(1)
      .reverse()
      .find((c) => c.trim() !== '') ?? ''
  return [cells[0].trim().replace(/:$/, '').trim(), value.trim()]
}

/** Blank-line separated blocks of lines. */
function blocks(lines: string[]): string[][] {
  const out: string[][] = []
  let current: string[] = []
  for (const line of lines) {
    if (isBlank(line)) {
      if (current.length > 0) out.push(current)
      current = []
    } else current.push(line)
  }
  if (current.length > 0) out.push(current)
  return out
}

/** "X320 CWL=320nm BW=75nm Tmin=70%" or "X360co Longpass=360nm"; some exports put stray spaces inside numbers. */
function filterOf(entry: NamedEntry): Filter {
  const description = String(entry.settings.Description ?? '').replace(/\s+/g, '')
  const nm = (key: string) => {
    const m = new RegExp(`${key}=(\\d+(?:\\.\\d+)?)nm`, 'i').exec(description)
    return m ? quantity(Number(m[1]), 'nm') : undefined
  }
  return {...entry, wavelength: nm('CWL') ?? nm('Longpass') ?? nm('Shortpass'), bandwidth: nm('BW')}
}

function namedEntries(lines: string[]): NamedEntry[] {
  return blocks(lines).map((block) => {
    const [name, id] = pair(block[0])
    const settings: Record<string, Setting> = {}
    for (const line of block.slice(1)) {
      const [key, value] = pair(line)
      if (key !== '') settings[key] = typedValue(value)
    }
    return {name, id: typedValue(id), settings}
  })
}

function plateMaps(lines: string[]): PlateMap[] {
  const maps: PlateMap[] = []
  let current: PlateMap | undefined
  let columns: number[] | undefined
  for (const line of lines) {
    if (isBlank(line)) continue
    const [key, value] = pair(line)
    const cells = splitCsv(line)
    if (key === 'Plate') {
      current = {plate: value, codes: {}, legend: []}
      maps.push(current)
      columns = undefined
    } else if (key === 'Group' && current) current.group = value
    else if (cells[0].trim() === '' && cells.length > 2) columns = cells.slice(1).map((c) => Number(c.trim()))
    else if (current && columns && rowIndex(cells[0].trim()) !== undefined) {
      cells.slice(1).forEach((code, j) => {
        if (code.trim() !== '' && columns![j] > 0) current!.codes[`${cells[0].trim()}${columns![j]}`] = code.trim()
      })
    } else if (current) current.legend.push(line.replace(/,+\s*$/, '').trim())
  }
  return maps
}

function calculations(lines: string[]): Record<string, Setting>[] {
  const out: Record<string, Setting>[] = []
  for (const line of lines) {
    if (isBlank(line)) continue
    const [key, value] = pair(line)
    if (key === 'Plate' || out.length === 0) out.push({})
    out.at(-1)![key] = typedValue(value)
  }
  return out
}

/** Reads everything after the plates. */
export function readProtocol(lines: string[], start: number): Protocol {
  const protocol: Protocol = {assay: {}, sections: {}, labels: [], filters: [], modules: {}, calculations: [], plateMaps: [], text: {}}
  let section: string | undefined
  let body: string[] = []
  const flush = () => {
    if (section === undefined) return
    if (section === 'Labels') protocol.labels = namedEntries(body)
    else if (section === 'Filters') protocol.filters = namedEntries(body).map(filterOf)
    else if (NAMED_SECTIONS.has(section)) protocol.modules[section] = namedEntries(body)
    else if (section === 'Platemap') protocol.plateMaps = plateMaps(body)
    else if (section === 'Calculations') protocol.calculations = calculations(body)
    else if (TEXT_SECTIONS.has(section))
      protocol.text[section] = body.filter((l) => !isBlank(l)).map((l) => l.replace(/,+\s*$/, '').trimEnd())
    else {
      const settings: Record<string, Setting> = {}
      for (const line of body) {
        const [key, value] = pair(line)
        if (key !== '') settings[key] = typedValue(value)
      }
      protocol.sections[section] = settings
    }
  }
  for (let i = start; i < lines.length; i++) {
    const line = lines[i]
    const trimmed = line.replace(/,+\s*$/, '').trim()
    const exported = /^Exported with (.+?) version (.+)$/.exec(trimmed)
    if (exported) {
      protocol.software = {name: exported[1].trim(), version: exported[2].trim()}
    } else if (/^Basic assay information/i.test(trimmed)) {
      for (i++; i < lines.length && !isBlank(lines[i]); i++) {
        const [key, value] = pair(lines[i])
        protocol.assay[key] = unwrap(value)
      }
    } else if (/^Protocol information$/i.test(trimmed)) {
      flush()
      section = undefined
    } else if (/^[A-Z][\w .-]*:$/.test(trimmed) && splitCsv(line).filter((c) => c.trim() !== '').length === 1) {
      flush()
      section = trimmed.slice(0, -1)
      body = []
    } else if (section !== undefined) body.push(line)
  }
  flush()
  return protocol
}
