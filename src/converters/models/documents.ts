import type {CellCountingDocument} from './cell-counting.js'
import type {DpcrDocument} from './dpcr.js'
import type {ElectrophoresisDocument} from './electrophoresis.js'
import type {LightObscurationDocument} from './light-obscuration.js'
import type {MultiAnalyteProfilingDocument} from './multi-analyte-profiling.js'
import type {PlateReaderDocument} from './plate-reader.js'
import type {QpcrDocument} from './qpcr.js'
import type {SolutionAnalyzerDocument} from './solution-analyzer.js'
import type {SpectrophotometryDocument} from './spectrophotometry.js'

/** Every document a built-in converter produces: one typed model per technique. */
export type BuiltinDocument =
  | CellCountingDocument
  | DpcrDocument
  | ElectrophoresisDocument
  | LightObscurationDocument
  | MultiAnalyteProfilingDocument
  | PlateReaderDocument
  | QpcrDocument
  | SolutionAnalyzerDocument
  | SpectrophotometryDocument
