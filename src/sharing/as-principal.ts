import {Flags} from '@oclif/core'

import {parsePrincipal} from './principal.js'

/** `--as PRINCIPAL` of query and package pull: read only what the principal's grants allow. */
export const asPrincipalFlag = Flags.string({
  description:
    'Run as this principal: only the tables, columns and rows its grants allow (`catalog share`). Default: the workspace owner, who sees everything.',
})

export function asPrincipal(text: string | undefined): string | undefined {
  return text === undefined ? undefined : parsePrincipal(text).id
}
