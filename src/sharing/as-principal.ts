import {Flags} from '@oclif/core'

import type {Backend} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {parsePrincipal} from './principal.js'

/** `--as PRINCIPAL` of query and package pull: read only what the principal's grants allow. */
export const asPrincipalFlag = Flags.string({
  description:
    'Run as this principal: only the tables, columns and rows its grants allow (`catalog share`). Default: the workspace owner, who sees everything.',
})

/** The principal of `--as`; UNSUPPORTED where the backend's queries cannot be held to another principal's grants. */
export function asPrincipal(text: string | undefined, backend: Pick<Backend, 'name' | 'capabilities'>): string | undefined {
  if (text === undefined) return undefined
  if (!backend.capabilities.queryAsPrincipal)
    throw new LabmeshError('UNSUPPORTED', `the ${backend.name} backend cannot run a query as another principal (--as ${text})`, {
      suggestions: [
        "on AWS, Lake Formation applies the grants of the caller's own IAM identity: run the query with that principal's credentials (AWS_PROFILE or the profile's aws-profile assuming its role)",
      ],
    })
  return parsePrincipal(text).id
}
