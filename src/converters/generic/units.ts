/**
 * Units for numbers the generic converter finds: spelled by the file (a header's "(ng/µL)",
 * a value's "7 mm") or implied by a name ("Chamber temperature" -> degC), in ASM spellings.
 */
export const UNITLESS = '(unitless)'

export type Technique = 'absorbance' | 'fluorescence' | 'luminescence'

/** ASM unit of a raw reading of each technique. */
export const READING_UNIT: Record<Technique, string> = {absorbance: 'mAU', fluorescence: 'RFU', luminescence: 'RLU'}

/** Unit spellings seen in exports, lower-cased, to their ASM spelling. */
const UNIT_WORDS: Record<string, string> = {
  nm: 'nm',
  mm: 'mm',
  cm: 'cm',
  µm: 'µm',
  um: 'µm',
  '°c': 'degC',
  ºc: 'degC',
  '∞c': 'degC',
  '¡c': 'degC',
  '�c': 'degC',
  degc: 'degC',
  '°f': 'degF',
  '%': '%',
  s: 's',
  sec: 's',
  secs: 's',
  seconds: 's',
  ms: 'ms',
  msec: 'ms',
  µs: 'µs',
  us: 'µs',
  usec: 'µs',
  min: 'min',
  mins: 'min',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  'ng/µl': 'ng/µL',
  'ng/ul': 'ng/µL',
  'µg/ml': 'µg/mL',
  'ug/ml': 'µg/mL',
  'ng/ml': 'ng/mL',
  'pg/ml': 'pg/mL',
  'mg/ml': 'mg/mL',
  'mg/l': 'mg/L',
  'g/l': 'g/L',
  'mmol/l': 'mmol/L',
  µl: 'µL',
  ul: 'µL',
  ml: 'mL',
  rfu: 'RFU',
  rlu: 'RLU',
  mau: 'mAU',
  au: 'mAU',
  od: 'mAU',
  rpm: 'rpm',
  'cells/ml': 'cell/mL',
  'cell/ml': 'cell/mL',
  kda: 'kDa',
  da: 'Da',
  'um^2/s': 'µm^2/s',
  'µm^2/s': 'µm^2/s',
  '1/km': '1/km',
  'mg/µl': 'mg/µL',
  '#': '#',
}

/** Words after a number that make it a count: "999 Reads", "50 flashes". */
const COUNT_WORDS = /^(reads?|cycles?|flashes|wells?|points?|repeats?|measurements?|kinetic|times|samples?|plates?|replicates?)$/i

/** The ASM unit for a unit word, or undefined when the word is no unit we know. */
export function unitWord(word: string): string | undefined {
  const key = word.trim().toLowerCase().replace(/μ/g, 'µ')
  if (key === '') return undefined
  // Concentration spellings collide with lengths (mM vs mm, nM vs nm): case decides.
  if (word.trim() === 'mM' || word.trim() === 'µM' || word.trim() === 'uM' || word.trim() === 'nM' || word.trim() === 'pM') {
    return word.trim().replace('u', 'µ')
  }
  if (COUNT_WORDS.test(key)) return '#'
  return UNIT_WORDS[key]
}

/**
 * The unit a header names in brackets ("Conc. (ng/µL)", "Wavelength [nm]", "Temperature(¡C)")
 * or by being a unit itself ("ng/uL"). "A260 (10 mm)" names a pathlength, not a unit: brackets
 * holding a number are skipped.
 */
export function unitInHeader(header: string): string | undefined {
  // A header that is only a unit ("ng/uL", "%") names it; a plain word ("OD", "Reads") does not.
  const whole = /[^A-Za-z]/.test(header) ? unitWord(header) : undefined
  if (whole) return whole
  // "Total cells/mL", "Conc. ug/ml", "Volume uL": a unit as the last word, after a name.
  const words = header.trim().split(/\s+/)
  const trailing = words.length > 1 && words.at(-1)!.length >= 2 && !/[()[\]]/.test(words.at(-1)!) ? unitWord(words.at(-1)!) : undefined
  if (trailing && trailing !== '#') return trailing
  const re = /[([]([^()[\]]*)[)\]]/g
  let m: RegExpExecArray | null
  let found: string | undefined
  while ((m = re.exec(header))) {
    const inner = m[1].trim()
    if (/\d/.test(inner)) continue
    const unit = unitWord(inner)
    if (unit) found = unit
  }
  return found
}

const TEMPERATURE = /temp|^t\s*[°∞º¡�]/i
const WAVELENGTH = /wavelength|excitation|emission|\bex\b|\bem\b|bandwidth|\bcwl\b|\bbw\b|pathlength correction|filter wl/i
const LENGTH = /height|distance|path ?length$/i
const COUNT = /^(number|no\.?|#)\b|\bnumber of\b|count$|flashes|\breads\b|\bcycles\b|\brepeats\b|\bwells\b|measurements\/|data points?/i
const DURATION = /\btime\b|duration|interval|runtime|delay|period/i

/** A row under a header that holds only units ("", "ng/µL", "%", "(unitless)"): the unit of each column, or undefined. */
export function unitsRow(cells: string[], header: string[]): (string | undefined)[] | undefined {
  let units = 0
  const out: (string | undefined)[] = []
  for (let k = 0; k < header.length; k++) {
    const cell = (cells[k] ?? '').trim().replace(/^[([](.*)[)\]]$/, '$1')
    if (cell === '') {
      out.push(undefined)
      continue
    }
    const unit = /^unitless$/i.test(cell) ? UNITLESS : unitWord(cell)
    if (!unit || /^\d/.test(cell)) return undefined
    out.push(unit)
    units++
  }
  return units > 0 && cells.slice(header.length).every((c) => c.trim() === '') ? out : undefined
}

/** The unit a name implies for a bare number: "Chamber temperature at start" -> degC. */
export function unitFromName(name: string): string | undefined {
  if (TEMPERATURE.test(name)) return 'degC'
  if (/humidity/i.test(name)) return '%'
  if (WAVELENGTH.test(name)) return 'nm'
  if (LENGTH.test(name)) return 'mm'
  if (COUNT.test(name)) return '#'
  return undefined
}

/** A name of elapsed time, whose "0:04:00" values are durations in seconds. */
export function namesDuration(name: string): boolean {
  return DURATION.test(name)
}

const ABSORBANCE = /\b(abs\w*|od\d*|optical density|a\d{3}|mau)\b/i
const FLUORESCENCE = /\b(fluor\w*|fi|fp|trf|htrf|tr-fret|fret|rfu|alpha\w*|lance|delfia)\b/i
const LUMINESCENCE = /\b(lum\w*|rlu|glow)\b/i

/** The technique a text names, if it names exactly one ("od:600" -> absorbance). */
export function techniqueIn(text: string): Technique | undefined {
  const abs = ABSORBANCE.test(text)
  const fl = FLUORESCENCE.test(text)
  const lum = LUMINESCENCE.test(text)
  if (abs && !fl && !lum) return 'absorbance'
  if (fl && !abs && !lum) return 'fluorescence'
  if (lum && !abs && !fl) return 'luminescence'
  return undefined
}

/**
 * Labels of values computed from readings ("Blank 260:260", "Ratio 260/280", "Mean V [420]",
 * "Calculated results"); everything else is taken as a reading.
 */
const CALCULATED =
  /\b(blank\w*|ratio|delta|normali[sz]\w*|norm|conc\w*|corrected|mean|average|avg|median|sd|stdev|std|cv|%cv|calc\w*|pathlength|max|min|slope|fit|polari[sz]ation|anisotropy|log|inhibition|activity|rate|vmax|onset|lag|area|auc|sum|difference|subtracted|result|dilution|dil|efficiency|score|z'?|standard value|expected value|nominal value|known value|target value|reduced)\b|%/i

export function namesCalculation(label: string): boolean {
  // "MeanResult", "BackCalcConc": camel-cased names are words too.
  return CALCULATED.test(label.replace(/([a-z])([A-Z])/g, '$1 $2'))
}

/** Labels of plate maps: their cells describe samples, not readings. */
export function namesLayout(label: string): boolean {
  return /\b(layout|plate ?map|well ids?|sample ids?|sample names?|sample types?|well types?|contents?|annotations?)\b/i.test(label)
}
