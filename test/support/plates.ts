/** Generated plate exports for benchmarks and tests, in three layouts: every file differs, every run the same. */

/** A deterministic pseudo-random reading, so every file differs but runs compare. */
function reading(n: number, well: number, scale: number): number {
  const x = Math.sin(n * 9973 + well * 7919) * 10000
  return Math.round((x - Math.floor(x)) * scale * 1000) / 1000
}

const ROWS = 16
const COLUMNS = 24
const letter = (r: number): string => String.fromCharCode(65 + r)

export function genericPlate(n: number): Buffer {
  const lines = [
    'Instrument:\tAcme Reader 9000',
    'Serial number:\tAR9-000123',
    `Plate ID:\tPLATE-${n}`,
    'Measurement:\tAbsorbance',
    'Wavelength:\t450 nm',
    'Temperature:\t25.1 °C',
    'Number of flashes:\t10',
    '',
    'Absorbance 450',
    ['', ...Array.from({length: COLUMNS}, (_, c) => String(c + 1))].join('\t'),
  ]
  for (let r = 0; r < ROWS; r++)
    lines.push([letter(r), ...Array.from({length: COLUMNS}, (_, c) => reading(n, r * COLUMNS + c, 3).toFixed(3))].join('\t'))
  return Buffer.from(lines.join('\r\n') + '\r\n')
}

/** A BMG MARS-like CSV export: 384 wells, or 96 with `{rows: 8, columns: 12}`. */
export function bmgLikePlate(n: number, {rows = ROWS, columns = COLUMNS} = {}): Buffer {
  const pad = ','.repeat(columns - 2)
  const lines = [
    `User: USER,Path: C:\\Program Files (x86)\\BMG\\CLARIOstar\\User\\Data,Test run no.: ${n}${pad}`,
    `Test name: Bench ${n},Date: 05/14/2021,Time: 3:29:50 PM${pad}`,
    ','.repeat(columns),
    `ID1: plate-${n},ID2: bench,ID3: ${pad}`,
    `Fluorescence (FI)${','.repeat(columns)}`,
    ','.repeat(columns),
    `Raw Data (485/520)${','.repeat(columns)}`,
    ','.repeat(columns),
    ['', ...Array.from({length: columns}, (_, c) => String(c + 1))].join(','),
  ]
  for (let r = 0; r < rows; r++)
    lines.push([letter(r), ...Array.from({length: columns}, (_, c) => String(Math.round(reading(n, r * columns + c, 60000))))].join(','))
  return Buffer.from(lines.join('\r\n') + '\r\n')
}

export function envisionLikePlate(n: number): Buffer {
  const lines = [
    'Plate information',
    'Plate,Repeat,Barcode,Measured height,Chamber temperature at start,Chamber temperature at end,Humidity at start,Humidity at end,Ambient temperature at start,Ambient temperature at end,Group,Label,ScanX,ScanY,Measinfo,Kinetics,Measurement date,',
    `${n},1,"=""PL${n}""",14.67,23.47,23.56,46.9,47.5,23.87,23.97,1,Lum 384(1),0,0,De=USLum Ex=N/A Em=N/A Wdw=N/A (12),0,8/22/2023 12:16:57 PM,`,
    '',
    'Background information',
    'Plate,Label,Result,Signal,Flashes/Time,Meastime,MeasInfo,',
    `${n},Lum 384,0,4,0.1,00:00:00.000,De=USLum Ex=N/A Em=N/A Wdw=N/A (12),`,
    '',
    'Results for Lum 384(1) - channel 0 (CPS)',
    ['', ...Array.from({length: COLUMNS}, (_, c) => String(c + 1).padStart(2, '0')), ''].join(','),
  ]
  for (let r = 0; r < ROWS; r++)
    lines.push(
      [letter(r), ...Array.from({length: COLUMNS}, (_, c) => String(Math.round(reading(n, r * COLUMNS + c, 90000)))), ''].join(','),
    )
  lines.push(
    '',
    '',
    'Basic assay information ',
    'Assay ID: ,,,,3134',
    `Protocol Name: ,,,,Bench ${n}`,
    'Serial#: ,,,,="1050209"',
    '',
    'Exported with EnVision Workstation version 1.14.3049.1193',
  )
  return Buffer.from(lines.join('\n') + '\n')
}

/** A small two-column plate CSV (20 wells) whose values depend on `n`: a different file for each `n`. */
export function wellValuesCsv(n: number): string {
  return `Well,Value\n${Array.from({length: 20}, (_, i) => `A${i + 1},${(n * 0.01 + i).toFixed(3)}`).join('\n')}\n`
}
