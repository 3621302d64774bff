import type {BuiltinDocument} from './models/documents.js'
import {agilentGen5} from './agilent-gen5/index.js'
import {agilentTapestationAnalysis} from './agilent-tapestation-analysis.js'
import {appbioAbsoluteQ} from './appbio-absolute-q.js'
import {appbioQuantstudio} from './appbio-quantstudio/index.js'
import {appbioQuantstudioDesignandanalysis} from './appbio-quantstudio-designandanalysis/index.js'
import {beckmanPharmspec} from './beckman-pharmspec.js'
import {beckmanViCellBlu} from './beckman-vi-cell-blu.js'
import {bmgMars} from './bmg-mars.js'
import {chemometecNucleoview} from './chemometec-nucleoview.js'
import {ctlImmunospot} from './ctl-immunospot.js'
import {genericConverter} from './generic/index.js'
import {luminexXponent} from './luminex-xponent.js'
import {mabtechApex} from './mabtech-apex.js'
import {methodicalMind} from './methodical-mind.js'
import {moldevSoftmaxPro} from './moldev-softmax-pro/index.js'
import {perkinElmerEnvision} from './perkin-elmer-envision/index.js'
import {revvityKaleido} from './revvity-kaleido.js'
import {rocheCedexBioht} from './roche-cedex-bioht.js'
import {thermoFisherNanodropEight} from './thermo-fisher-nanodrop-eight.js'
import {thermoFisherVisionlite} from './thermo-fisher-visionlite.js'
import {unchainedLabsLunaticStunner} from './unchained-labs-lunatic-stunner.js'
import type {Converter} from './types.js'

/** The converters shipped with labmesh. Order breaks ties in detection confidence. */
export const BUILTIN_CONVERTERS: Converter<BuiltinDocument>[] = [
  agilentGen5,
  appbioQuantstudioDesignandanalysis,
  moldevSoftmaxPro,
  bmgMars,
  perkinElmerEnvision,
  thermoFisherNanodropEight,
  appbioQuantstudio,
  beckmanViCellBlu,
  rocheCedexBioht,
  chemometecNucleoview,
  thermoFisherVisionlite,
  methodicalMind,
  luminexXponent,
  revvityKaleido,
  appbioAbsoluteQ,
  beckmanPharmspec,
  ctlImmunospot,
  mabtechApex,
  unchainedLabsLunaticStunner,
  agilentTapestationAnalysis,
  genericConverter,
]
