import type {DeviceSetting} from '../models/plate-reader.js'
import type {Quantity} from '../types.js'
import {parseDuration, quantitiesIn, settingValue, UNITLESS, wavelengthAndBandwidth} from './values.js'

/**
 * The "Procedure Details" block: the protocol's steps. Read steps become channels that result
 * labels refer to ("od:600", "FluorReadStepLabel:360/40,460/40", "Lum", "Read 2:450,490"); the other
 * steps (temperature, shaking, dispensing, kinetic loop) are kept as procedure step documents.
 */

export type Settings = Record<string, DeviceSetting>

export type ReadMode = 'absorbance' | 'fluorescence' | 'luminescence'

export interface Channel {
  /** The texts a result label uses for this channel after the step label: "450", "360/40,460/40", "360,460", "Lum". */
  keys: string[]
  settings: Settings
}

export interface ReadStep {
  /** 1-based among the Read steps: unnamed reads are labelled "Read 1", "Read 2" in the results. */
  index: number
  label?: string
  mode: ReadMode
  /** Step-wide settings, including "detection type" and "read type" ("Endpoint", "Spectrum", "Area Scan"). */
  settings: Settings
  channels: Channel[]
}

export interface Procedure {
  reads: ReadStep[]
  steps: Settings[]
  plateType?: string
}

const READ_TYPE = /^(Absorbance|Fluorescence|Luminescence|Alpha)\s+(Endpoint|Spectrum|(?:Well )?Area Scan)$/i

interface FilterSet {
  name: string
  settings: Settings
  excitation?: string
  emission?: string
}

interface OpenRead {
  label?: string
  typeLine?: string
  settings: Settings
  polarization?: boolean
  filterSets: FilterSet[]
  wavelengths: string[]
  pathlength: string[]
}

export function parseProcedure(lines: string[]): Procedure {
  const procedure: Procedure = {reads: [], steps: []}
  let kinetic: Settings | undefined
  let read: OpenRead | undefined
  let step: Settings | undefined
  let filterSet: FilterSet | undefined

  const closeRead = () => {
    if (read) procedure.reads.push(toReadStep(read, procedure.reads.length + 1))
    read = undefined
    filterSet = undefined
  }

  for (const line of lines) {
    const cells = line.split('\t')
    const name = cells[0].trim()
    if (name !== '') {
      closeRead()
      step = undefined
      const value = cells.slice(1).join(' ').trim()
      if (name === 'Read') {
        read = {settings: {...kinetic}, filterSets: [], wavelengths: [], pathlength: []}
        if (READ_TYPE.test(value)) read.typeLine = value
        else read.label = value
      } else if (name === 'Plate Type') {
        procedure.plateType = value
      } else if (name === 'Start Kinetic') {
        kinetic = kineticSettings(value)
        procedure.steps.push({'step name': name, ...kinetic})
      } else if (name.startsWith('End ')) {
        if (name === 'End Kinetic') kinetic = undefined
      } else {
        step = {'step name': name, ...stepValueSettings(name, value)}
        procedure.steps.push(step)
      }
      continue
    }

    const detail = cells.slice(1).join(' ')
    const text = detail.trim()
    if (text === '') continue
    if (!read) {
      if (step) addParts(step, text)
      continue
    }
    if (!read.typeLine && READ_TYPE.test(text)) {
      read.typeLine = text
    } else if (/^Filter Set\b/.test(text)) {
      filterSet = {name: text, settings: {}}
      read.filterSets.push(filterSet)
    } else if (filterSet && /^\s/.test(detail)) {
      // Indented lines under "Filter Set N" belong to that filter set.
      addReadParts(read, filterSet, text)
    } else {
      filterSet = undefined
      addReadParts(read, undefined, text)
    }
  }
  closeRead()
  return procedure
}

/** "Runtime 0:30:00 (HH:MM:SS), Interval 0:00:30, 61 Reads" */
function kineticSettings(value: string): Settings {
  const settings: Settings = {}
  for (const part of value.split(/,\s+/)) {
    const runtime = /^Runtime\s+(.+)$/i.exec(part)
    const interval = /^Interval\s+(.+)$/i.exec(part)
    const reads = /^(\d+)\s+Reads?$/i.exec(part)
    const seconds = parseDuration((runtime ?? interval)?.[1] ?? '')
    if (runtime && seconds !== undefined) settings['kinetic runtime setting'] = {value: seconds, unit: 's'}
    else if (interval && seconds !== undefined) settings['kinetic interval setting'] = {value: seconds, unit: 's'}
    else if (reads) settings['number of kinetic reads setting'] = {value: Number(reads[1]), unit: '#'}
    else addUnnamed(settings, 'kinetic', part)
  }
  return settings
}

/** Step values use single-space commas: "Setpoint 25°C, Gradient 0 °C", "75 µL, Dispenser 1, Rate 275 µL/sec". */
function stepValueSettings(name: string, value: string): Settings {
  const settings: Settings = {}
  if (value === '') return settings
  for (const part of value.split(/,\s+/)) {
    const keyed = /^([^:]*[A-Za-z][^:]*?):\s+(.*)$/.exec(part) ?? /^([A-Za-z][A-Za-z /]*?)\s+([-+]?\.?\d.*)$/.exec(part)
    if (keyed) setSetting(settings, settingName(keyed[1]), keyed[2])
    else addUnnamed(settings, name, part)
  }
  return settings
}

/** A part without a key: a number takes the step's name, words are a flag ("Preheat before moving to next step"). */
function addUnnamed(settings: Settings, context: string, part: string) {
  if (quantitiesIn(part).length > 0) setSetting(settings, `${context.toLowerCase()} setting`, part)
  else appendFlag(settings, part)
}

function appendFlag(settings: Settings, flag: string) {
  // A new array: settings copied from the kinetic step must not grow the kinetic step's flags.
  settings.flags = [...((settings.flags as string[] | undefined) ?? []), flag]
}

/** Detail lines separate their parts with a comma and two spaces: "Read Speed: Normal,  Delay: 100 msec". */
function splitDetail(text: string): Array<[string, string | undefined]> {
  return text.split(/,\s{2,}/).map((part) => {
    const m = /^([^:]*[A-Za-z)][^:]*?):\s*(.*)$/.exec(part.trim())
    return m ? [m[1].trim(), m[2].trim()] : [part.trim(), undefined]
  })
}

function addParts(settings: Settings, text: string) {
  for (const [key, value] of splitDetail(text)) {
    if (value === undefined) addUnnamed(settings, String(settings['step name'] ?? 'step'), key)
    else setSetting(settings, settingName(key), value)
  }
}

function addReadParts(read: OpenRead, filterSet: FilterSet | undefined, text: string) {
  // "Stop"/"Step" after "Excitation Start" belong to the excitation scan.
  let scan = ''
  for (const [key, value] of splitDetail(text)) {
    const target = filterSet?.settings ?? read.settings
    if (value === undefined) {
      if (/Polarization/i.test(key)) read.polarization = true
      appendFlag(target, key)
      continue
    }
    const startKey = /^(.*?)\s*Start$/.exec(key)
    if (startKey) scan = startKey[1]
    if (/^Wavelengths?$/i.test(key)) {
      read.wavelengths.push(...value.split(/[,\s]+/).filter((w) => w !== ''))
    } else if (/^Pathlength Correction$/i.test(key)) {
      // "977 / 900": the test and reference wavelengths.
      read.pathlength.push(
        ...value
          .split('/')
          .map((w) => w.trim())
          .filter((w) => w !== ''),
      )
      read.settings['pathlength correction wavelength setting'] = quantitiesIn(value).map((q) => ({value: q.value, unit: 'nm'}))
    } else if (/^(Fixed )?Excitation$/i.test(key) || /^(Fixed )?Emission$/i.test(key)) {
      const excitation = /Excitation/i.test(key)
      // Without a "Filter Set" line the read has one implicit filter set.
      const set = filterSet ?? implicitFilterSet(read)
      if (excitation) set.excitation = value
      else set.emission = value
      setWavelength(set.settings, excitation ? 'excitation' : 'detector', value)
    } else if (/^(Excitation |Emission )?(Start|Stop|Step)$/i.test(key)) {
      const prefix = scanPrefix(/^(Excitation|Emission) /i.exec(key)?.[1] ?? scan)
      const which = /(Start|Stop|Step)$/i.exec(key)![1].toLowerCase()
      const {centre, bandwidth} = wavelengthAndBandwidth(value)
      if (centre === undefined) setSetting(target, `${prefix}wavelength ${which} setting`, value)
      else target[`${prefix}wavelength ${which} setting`] = {value: centre, unit: 'nm'}
      if (bandwidth !== undefined) target[`${prefix || 'detector '}bandwidth setting`] = {value: bandwidth, unit: 'nm'}
    } else if (/^Mirror$/i.test(key)) {
      const [position, ...rest] = value.split(/\s+/)
      target['scan position setting (plate reader)'] = scanPosition(position)
      const cutoff = quantitiesIn(rest.join(' '))
      if (cutoff.length > 0) target['wavelength filter cut-off setting'] = {value: cutoff[0].value, unit: 'nm'}
    } else if (/^Optics$/i.test(key)) {
      target['scan position setting (plate reader)'] = scanPosition(value)
    } else {
      setSetting(target, settingName(key), value)
    }
  }
}

function implicitFilterSet(read: OpenRead): FilterSet {
  let set = read.filterSets.find((f) => f.name === '')
  if (!set) read.filterSets.push((set = {name: '', settings: {}}))
  return set
}

function scanPrefix(word: string): string {
  if (/^Excitation$/i.test(word)) return 'excitation '
  if (/^Emission$/i.test(word)) return 'detector '
  return ''
}

function setWavelength(target: Settings, prefix: 'excitation' | 'detector', value: string) {
  const {centre, bandwidth} = wavelengthAndBandwidth(value)
  if (centre === undefined) {
    // "Emission: Full light", "Emission: Hole": no wavelength selection.
    target[`${prefix} wavelength setting`] = value
    return
  }
  target[`${prefix} wavelength setting`] = {value: centre, unit: 'nm'}
  if (bandwidth !== undefined) target[`${prefix} bandwidth setting`] = {value: bandwidth, unit: 'nm'}
}

function scanPosition(position: string): string {
  if (/^top$/i.test(position)) return 'top scan position (plate reader)'
  if (/^bottom$/i.test(position)) return 'bottom scan position (plate reader)'
  return position
}

/** The ASM names for the settings Gen5 writes most; any other key keeps its own words. */
const SETTING_NAMES: Record<string, string> = {
  'read height': 'detector distance setting (plate reader)',
  'measurements/data point': 'number of averages',
  'read speed': 'detector carriage speed setting',
  delay: 'read delay setting',
  gain: 'detector gain setting',
  'integration time': 'detector integration time setting',
  'light source': 'light source setting',
  'lamp energy': 'lamp energy setting',
  setpoint: 'target temperature setting',
}

function settingName(key: string): string {
  const lower = key.trim().toLowerCase()
  return SETTING_NAMES[lower] ?? `${lower} setting`
}

function setSetting(target: Settings, name: string, raw: string) {
  let value = settingValue(raw)
  // Counts are counts, not unitless numbers.
  if (name === 'number of averages' && !Array.isArray(value) && typeof value === 'object') value = {value: value.value, unit: '#'}
  if (name in target) {
    const previous = target[name]
    target[name] = Array.isArray(previous) ? [...previous, value] : [previous, value]
  } else {
    target[name] = value
  }
}

function toReadStep(read: OpenRead, index: number): ReadStep {
  const typeMatch = READ_TYPE.exec(read.typeLine ?? '')
  const detection = typeMatch?.[1] ?? ''
  const readType = typeMatch?.[2].trim() || 'Endpoint'
  const mode = typeMatch ? modeOf(detection) : guessMode(read)
  const detectionType = read.polarization ? 'Fluorescence Polarization' : /^alpha/i.test(detection) ? 'AlphaScreen' : capitalise(mode)
  const settings: Settings = {'detection type': detectionType, 'read type': readType, ...read.settings}
  if (read.label) settings['step label'] = read.label
  return {index, label: read.label, mode, settings, channels: channelsOf(read, mode, readType)}
}

function modeOf(detection: string): ReadMode {
  if (/^abs/i.test(detection)) return 'absorbance'
  if (/^lum/i.test(detection)) return 'luminescence'
  return 'fluorescence'
}

/** A read without its type line: wavelengths mean absorbance, an excitation fluorescence, an emission alone luminescence. */
function guessMode(read: OpenRead): ReadMode {
  if (read.wavelengths.length > 0) return 'absorbance'
  if (read.filterSets.some((f) => f.excitation)) return 'fluorescence'
  return read.filterSets.some((f) => f.emission) ? 'luminescence' : 'absorbance'
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1)
}

function channelsOf(read: OpenRead, mode: ReadMode, readType: string): Channel[] {
  if (/spectrum/i.test(readType)) {
    // A spectrum is one channel; a fixed excitation or emission is its filter setting.
    return [{keys: ['Spectrum'], settings: Object.assign({}, ...read.filterSets.map((f) => f.settings))}]
  }
  const channels: Channel[] = []
  if (mode === 'absorbance') {
    for (const w of read.wavelengths) channels.push({keys: [w], settings: {'detector wavelength setting': nm(w)}})
    const roles = ['test', 'reference']
    read.pathlength.forEach((w, i) => {
      channels.push({keys: [w], settings: {'detector wavelength setting': nm(w), 'pathlength correction role': roles[i] ?? 'reference'}})
    })
    return channels
  }
  for (const set of read.filterSets) {
    const settings: Settings = set.name === '' ? {...set.settings} : {'filter set': set.name, ...set.settings}
    if (mode === 'fluorescence' && set.excitation && set.emission) {
      channels.push({keys: aliases(`${set.excitation},${set.emission}`), settings})
    } else if (mode === 'luminescence') {
      // "Emission: Full light" / "Hole": the label is "Lum"; a filter gives "460/40".
      const emission = set.emission ?? ''
      const keys = wavelengthAndBandwidth(emission).centre === undefined ? ['Lum'] : aliases(emission)
      channels.push({keys, settings})
    }
  }
  if (channels.length === 0) channels.push({keys: mode === 'luminescence' ? ['Lum'] : ['Alpha'], settings: {}})
  return channels
}

/** Labels carry the bandwidths or not: "360/40,460/40" and "360,460" name the same channel. */
function aliases(key: string): string[] {
  const short = key.replace(/\/\d+(\.\d+)?/g, '').replace(/\s+/g, '')
  return short === key ? [key] : [key, short]
}

function nm(raw: string): Quantity | string {
  const q = quantitiesIn(raw)
  return q.length === 1 ? {value: q[0].value, unit: q[0].unit === UNITLESS ? 'nm' : q[0].unit} : raw
}
