import {LabmeshError} from '../errors.js'

/**
 * Who a grant is for. One string names a principal everywhere (grants, shares files, `--as`);
 * its kind is read from its form, so new kinds (API keys) join without a new field.
 */
export type PrincipalKind = 'name' | 'account' | 'iam-role' | 'iam-user' | 'organization' | 'organizational-unit' | 'api-key'

export interface Principal {
  id: string
  kind: PrincipalKind
  /** The AWS account an account id or IAM ARN belongs to. */
  account?: string
}

const FORMS: {kind: PrincipalKind; pattern: RegExp}[] = [
  {kind: 'account', pattern: /^(?<account>\d{12})$/},
  {kind: 'iam-role', pattern: /^arn:aws[\w-]*:iam::(?<account>\d{12}):role\/[\w+=,.@/-]+$/},
  {kind: 'iam-user', pattern: /^arn:aws[\w-]*:iam::(?<account>\d{12}):user\/[\w+=,.@/-]+$/},
  {kind: 'organization', pattern: /^arn:aws[\w-]*:organizations::(?<account>\d{12}):organization\/o-[a-z0-9]{10,32}$/},
  {
    kind: 'organizational-unit',
    pattern: /^arn:aws[\w-]*:organizations::(?<account>\d{12}):ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/,
  },
  {kind: 'api-key', pattern: /^key:[\w-]{1,64}$/},
  {kind: 'name', pattern: /^[a-z][\w.@-]{0,127}$/i},
]

const EXAMPLES = [
  'bob (a named principal of the local workspace)',
  '123456789012 (an AWS account)',
  'arn:aws:iam::123456789012:role/analysts',
  'arn:aws:organizations::123456789012:organization/o-abcdefghij',
]

/** Reads a principal, or INVALID_INPUT listing the accepted forms. */
export function parsePrincipal(text: string): Principal {
  const id = text.trim()
  for (const {kind, pattern} of FORMS) {
    const match = pattern.exec(id)
    if (match) return {id, kind, ...(match.groups?.account ? {account: match.groups.account} : {})}
  }
  throw new LabmeshError('INVALID_INPUT', `"${text}" is not a principal`, {subject: text, suggestions: EXAMPLES})
}

/** Principals that only exist in AWS: an account, an IAM role or user, an organisation or unit. */
export function isAwsPrincipal(principal: Principal): boolean {
  return principal.kind !== 'name' && principal.kind !== 'api-key'
}
