import {Flags} from '@oclif/core'

import type {StackOptions} from './template.js'

const GIB = 1024 ** 3

/** What the template is made of, for `stack template` and `stack deploy` alike. */
export const templateFlags = {
  'stack-name': Flags.string({
    description: 'CloudFormation stack name (also names the key alias, workgroup, topic and policies).',
    default: 'labmesh',
  }),
  'with-postgres': Flags.boolean({
    description: 'Add a private, encrypted RDS PostgreSQL for the file records, its credentials rotated in Secrets Manager.',
  }),
  'with-opensearch': Flags.boolean({description: 'Add an OpenSearch Serverless collection for search.'}),
  'glue-database-prefix': Flags.string({
    description: 'Prefix of the Glue databases (labmesh database lab is <prefix>lab).',
    default: 'labmesh_',
  }),
  'scan-limit': Flags.integer({description: 'Athena cancels a query that scans more than this many GiB.', default: 10, min: 1}),
  'lake-admin': Flags.string({
    description: 'Another Lake Formation admin (IAM ARN), besides the stack admin role (repeatable).',
    multiple: true,
  }),
}

export function stackOptions(flags: {
  'stack-name': string
  'with-postgres': boolean
  'with-opensearch': boolean
  'glue-database-prefix': string
  'scan-limit': number
  'lake-admin'?: string[]
}): StackOptions {
  return {
    stackName: flags['stack-name'],
    withPostgres: flags['with-postgres'],
    withOpenSearch: flags['with-opensearch'],
    glueDatabasePrefix: flags['glue-database-prefix'],
    bytesScannedCutoff: flags['scan-limit'] * GIB,
    lakeAdmins: flags['lake-admin'] ?? [],
  }
}
