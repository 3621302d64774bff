import {LabmeshError} from '../../errors.js'

/**
 * Lake Formation's errors as LabmeshErrors. An access denial names what the caller lacks: the
 * Lake Formation permission (with the grant option, for granting) on the resource, and the IAM
 * action; Lake Formation's own message follows as a suggestion.
 */
export interface LakeFormationAction {
  /** What labmesh was doing, as a phrase: "grant SELECT on lab.t to bob". */
  what: string
  /** The Lake Formation permission the caller needs for it. */
  needs: string
  /** The IAM action that calls it: lakeformation:BatchGrantPermissions. */
  iamAction: string
}

const CODES: Record<string, LabmeshError['code']> = {
  AccessDeniedException: 'UNAUTHORIZED',
  EntityNotFoundException: 'NOT_FOUND',
  InvalidInputException: 'INVALID_INPUT',
  AlreadyExistsException: 'CONFLICT',
  ConcurrentModificationException: 'CONFLICT',
  ResourceNumberLimitExceededException: 'BACKEND',
  OperationTimeoutException: 'BACKEND',
  InternalServiceException: 'BACKEND',
}

/** An SDK exception (by its name) or a batch entry's ErrorDetail (by its ErrorCode). */
export function lakeFormationError(
  code: string | undefined,
  message: string | undefined,
  action: LakeFormationAction,
  cause?: unknown,
): LabmeshError {
  const mapped: LabmeshError['code'] = (code ? CODES[code] : undefined) ?? 'BACKEND'
  const said = message ? `Lake Formation says: ${message}` : undefined
  if (mapped === 'UNAUTHORIZED')
    return new LabmeshError('UNAUTHORIZED', `Lake Formation refused to ${action.what}: the caller needs ${action.needs}`, {
      cause,
      suggestions: [
        `a data lake administrator can grant it; data lake administrators have it already`,
        `the caller's IAM policy must also allow ${action.iamAction}`,
        ...(said ? [said] : []),
      ],
    })
  return new LabmeshError(mapped, `Lake Formation could not ${action.what}${message ? `: ${message}` : ''}`, {cause})
}

/** Calls Lake Formation, turning a thrown SDK exception into a LabmeshError for `action`. */
export async function lakeFormationCall<T>(action: LakeFormationAction, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (error instanceof LabmeshError) throw error
    const {name, message} = error as {name?: string; message?: string}
    throw lakeFormationError(name, message, action, error)
  }
}

export function isNamed(error: unknown, name: string): boolean {
  return (error as {name?: string})?.name === name || ((error as LabmeshError)?.cause as {name?: string})?.name === name
}
