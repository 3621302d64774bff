import {Args, Flags} from '@oclif/core'

import {LabmeshError} from '../errors.js'
import {type Grant, type GrantResource, normalizeGrant, parsePermissions, parseResource, PERMISSIONS} from './grant.js'
import {parseTagExpression} from './tags.js'

/** The arguments and flags `catalog share` and `catalog revoke` have in common: what a grant is on and for whom. */
export const grantArgs = {
  resource: Args.string({description: 'database.table, database.* (every table, now and later) or database; or give --tag.'}),
}

const list = (text: string | undefined): string[] | undefined =>
  text
    ?.split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '')

export const grantFlags = {
  principal: Flags.string({
    char: 'P',
    required: true,
    multiple: true,
    description: 'Who: a named principal locally; on AWS an account id, an IAM role or user ARN, an organization or OU ARN. Repeatable.',
  }),
  columns: Flags.string({description: 'SELECT of these columns only (comma-separated).', exclusive: ['exclude-columns']}),
  'exclude-columns': Flags.string({description: 'SELECT of every column but these (comma-separated).'}),
  'row-filter': Flags.string({description: 'SELECT of the rows where this SQL condition holds, e.g. "site = \'boston\'".'}),
  tag: Flags.string({
    multiple: true,
    description: 'Instead of a resource: the tables carrying these tags, key=value or key=value1,value2 (repeat for AND).',
  }),
  'dry-run': Flags.boolean({description: 'Show what would change; change nothing.'}),
}

export interface GrantFlagValues {
  principal: string[]
  permissions?: string
  columns?: string
  'exclude-columns'?: string
  'row-filter'?: string
  tag?: string[]
  grantable?: boolean
}

/** One grant per principal from the command line. Revoke may leave permissions out (all of them). */
export function grantsFromFlags(
  resourceText: string | undefined,
  flags: GrantFlagValues,
  options: {permissionsRequired: boolean},
): Grant[] {
  if ((resourceText === undefined) === (flags.tag === undefined))
    throw new LabmeshError('USAGE', 'name the resource (database.table, database.* or database) or give --tag, one of them', {
      suggestions: [
        'labmesh catalog share lab.plate_reader_measurement --principal bob --permissions SELECT',
        'labmesh catalog share --tag domain=assay --principal bob --permissions SELECT',
      ],
    })
  const resource: GrantResource = flags.tag ? {kind: 'tags', expression: parseTagExpression(flags.tag)} : parseResource(resourceText!)
  if (options.permissionsRequired && flags.permissions === undefined)
    throw new LabmeshError('USAGE', `--permissions is required: ${PERMISSIONS.join(', ')}`, {
      suggestions: ['--permissions SELECT,DESCRIBE'],
    })
  const permissions = flags.permissions === undefined ? [] : parsePermissions([flags.permissions])
  return flags.principal.map((principal) => {
    const grant = {
      principal,
      resource,
      permissions,
      grantable: flags.grantable ?? false,
      columns: list(flags.columns),
      excludeColumns: list(flags['exclude-columns']),
      rowFilter: flags['row-filter'],
    }
    if (permissions.length > 0) return normalizeGrant(grant)
    // Revoke without permissions stands for all of them; the rest of the grant is checked with one that fits any resource.
    const restricted = grant.columns !== undefined || grant.excludeColumns !== undefined || grant.rowFilter !== undefined
    return {...normalizeGrant({...grant, permissions: [restricted ? 'SELECT' : 'DESCRIBE']}), permissions: []}
  })
}
