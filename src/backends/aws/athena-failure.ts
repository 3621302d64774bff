import type {QueryExecution} from '@aws-sdk/client-athena'

import {LabmeshError} from '../../errors.js'

/**
 * A failed Athena statement as a LabmeshError, from its state-change reason (and AthenaError):
 * Lake Formation denials say which permission on which table is missing, other denials name the
 * S3 path or action, missing tables are NOT_FOUND, errors in the SQL INVALID_INPUT (the reason
 * keeps Athena's line and column), the rest BACKEND.
 */
export function athenaFailure(execution: QueryExecution): LabmeshError {
  const id = execution.QueryExecutionId ?? ''
  const status = execution.Status
  const reason = status?.AthenaError?.ErrorMessage ?? status?.StateChangeReason ?? 'Athena gave no reason'
  const subject = `athena query ${id}`
  const lakeFormation = /lake ?formation/i.test(reason)
  if (lakeFormation) {
    const required =
      /Required\s+(\w+)\s+on\s+([\w."`-]+)/i.exec(reason) ?? /permission\(s\)\s+(?:for\s+(\w+)\s+)?on\s+([\w."`-]+)/i.exec(reason)
    const permission = required?.[1]?.toUpperCase() ?? 'SELECT'
    const table = required?.[2]?.replace(/["`]/g, '')
    return new LabmeshError(
      'FORBIDDEN',
      `Lake Formation denied the query: ${permission} on ${table ?? 'a table it reads'} is missing for this identity (${reason})`,
      {
        subject: table ?? subject,
        suggestions: [
          `a data administrator grants it: labmesh catalog share ${table ?? '<database.table>'} --to <your role ARN> (or aws lakeformation grant-permissions --permissions ${permission})`,
          'see who you are with `aws sts get-caller-identity`',
        ],
      },
    )
  }
  if (/access denied|permission denied|not authorized|AccessDenied/i.test(reason)) {
    return new LabmeshError('FORBIDDEN', `Athena was denied access: ${reason}`, {
      subject,
      suggestions: [
        '`labmesh doctor --policy --role reader` prints the policy queries need (S3 read on the lake, write on the Athena output)',
      ],
    })
  }
  if (/bytes scanned limit|BytesScannedCutoff/i.test(reason)) {
    return new LabmeshError('INVALID_INPUT', `Athena stopped the query at the workgroup's limit of bytes scanned: ${reason}`, {
      subject,
      suggestions: ['filter on partition columns so less is scanned, or ask for a workgroup with a higher limit'],
    })
  }
  if (/TABLE_NOT_FOUND|SCHEMA_NOT_FOUND|does not exist|not found/i.test(reason) && !/column/i.test(reason)) {
    return new LabmeshError('NOT_FOUND', `Athena: ${reason}`, {subject, suggestions: ['list the tables with `labmesh catalog list`']})
  }
  if (
    status?.AthenaError?.ErrorCategory === 2 ||
    /SYNTAX_ERROR|COLUMN_NOT_FOUND|TYPE_MISMATCH|FUNCTION_NOT_FOUND|line \d+:\d+/.test(reason)
  ) {
    return new LabmeshError('INVALID_INPUT', `Athena refused the SQL: ${reason}`, {subject})
  }
  return new LabmeshError('BACKEND', `the Athena query ${id} failed: ${reason}`, {
    subject,
    suggestions: status?.AthenaError?.Retryable ? ['Athena says this may succeed if run again'] : [],
  })
}
