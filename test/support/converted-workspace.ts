import path from 'node:path'
import {expect} from 'chai'

import {TestWorkspace} from './cli.js'
import {INSTRUMENTS} from './testdata.js'

/** Real exports of three plate readers, a spectrophotometer and a cell counter. */
export const CONVERTED_EXPORTS = [
  path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'),
  path.join(INSTRUMENTS, 'moldev_softmax_pro', 'MD_SMP_fluorescence_endpoint_partial_plate_example02.txt'),
  path.join(INSTRUMENTS, 'perkin_elmer_envision', 'PE_Envision_luminescence_example01.csv'),
  path.join(INSTRUMENTS, 'thermo_fisher_nanodrop_eight', 'thermo_nanodrop_eight_RNA.txt'),
  path.join(INSTRUMENTS, 'beckman_vi_cell_blu', 'Beckman_Vi-Cell-BLU_example02.csv'),
]

/** A workspace whose lake holds the tables `convert` makes of `exports`; file ids by base name. */
export async function convertedWorkspace(exports = CONVERTED_EXPORTS): Promise<{ws: TestWorkspace; fileIds: Map<string, string>}> {
  const ws = new TestWorkspace()
  const ingested = await ws.run(['ingest', ...exports, '--label', 'site=boston', '--json'])
  expect(ingested.code, ingested.stderr).to.equal(0)
  const converted = await ws.run(['convert', '--json'])
  expect(converted.code, converted.stderr).to.equal(0)
  expect(converted.json.converted).to.equal(exports.length)
  return {
    ws,
    fileIds: new Map(ingested.json.files.map((f: {sourcePath: string; fileId: string}) => [path.basename(f.sourcePath), f.fileId])),
  }
}
