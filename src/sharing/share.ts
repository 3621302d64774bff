import type {AuditContext, GrantApplyOptions, GrantChange, GrantChangeOutcome, GrantStore, Lake} from '../backends/types.js'
import {LabmeshError, toLabmeshError} from '../errors.js'
import {editDistance, findTable} from '../lake/catalog/table-ref.js'
import {formatResource, type Grant} from './grant.js'
import {computePlan, type GrantPlan, planChanges, planRevoke} from './plan.js'
import {checkRowFilter} from './row-filter.js'
import type {SharesFile} from './shares-file.js'

/** The result of share, revoke and apply (their --json contract). */
export interface SharingResult {
  plan: GrantPlan
  /** False for --dry-run and --check: nothing was changed. */
  applied: boolean
  /** Each change made, with its error when it failed. */
  outcomes: GrantChangeOutcome[]
  failed: number
}

export interface SharingOptions {
  store: GrantStore
  audit: AuditContext
  /** Compute and show the plan only. */
  dryRun?: boolean
  /** The lake grants are checked against (tables and columns exist, row filters fit); omitted where the backend checks them itself. */
  lake?: Lake
  apply?: GrantApplyOptions
}

/** Gives `grants` (adding only: what else the principals have stays). */
export async function share(grants: Grant[], options: SharingOptions): Promise<SharingResult> {
  const existing = await existingOf(
    options.store,
    grants.map((g) => g.principal),
  )
  return carryOut(computePlan(grants, existing, {replaceDescribed: false}), options)
}

/** Takes away `target`'s permissions (all it has on that resource and restriction when it names none); NOT_FOUND when there is nothing to take. */
export async function revoke(target: Grant, options: SharingOptions): Promise<SharingResult> {
  const existing = await options.store.list({principal: target.principal})
  const remove = planRevoke(target, existing)
  if (remove.length === 0)
    throw new LabmeshError('NOT_FOUND', `${target.principal} has no such grant on ${formatResource(target.resource)}`, {
      suggestions: [`see its grants with \`labmesh catalog grants --principal ${target.principal}\``],
    })
  return carryOut({add: [], remove, unchanged: []}, options)
}

/** Makes the grants match a shares file: what it describes, for each principal and resource it names (and everything of its exclusive principals). */
export async function applySharesFile(file: SharesFile, options: SharingOptions): Promise<SharingResult> {
  const existing = await existingOf(options.store, [...file.grants.map((g) => g.principal), ...file.exclusive])
  return carryOut(computePlan(file.grants, existing, {replaceDescribed: true, exclusive: file.exclusive}), options)
}

async function existingOf(store: GrantStore, principals: string[]): Promise<Grant[]> {
  const unique = [...new Set(principals)]
  return (await Promise.all(unique.map((principal) => store.list({principal})))).flat()
}

async function carryOut(plan: GrantPlan, options: SharingOptions): Promise<SharingResult> {
  if (options.dryRun || planChanges(plan) === 0) return {plan, applied: false, outcomes: [], failed: 0}
  const changes: GrantChange[] = [
    ...plan.remove.map((grant) => ({action: 'revoke' as const, grant})),
    ...plan.add.map((grant) => ({action: 'grant' as const, grant})),
  ]
  // Grants are checked one by one; one that cannot be made is reported, and the rest still go ahead.
  const refused: GrantChangeOutcome[] = []
  const accepted: GrantChange[] = []
  for (const change of changes) {
    const problem = change.action === 'grant' ? await checkGrant(change.grant, options.lake) : undefined
    if (problem) refused.push({...change, error: {code: problem.code, message: problem.message}})
    else accepted.push(change)
  }
  const outcomes = [...refused, ...(accepted.length > 0 ? await options.store.apply(accepted, options.audit, options.apply) : [])]
  return {plan, applied: true, outcomes, failed: outcomes.filter((o) => o.error).length}
}

/**
 * Why this grant cannot be made: a row filter that is no condition; with the lake, also a
 * table, database or column that is not there, or a row filter that does not fit the table.
 */
export async function checkGrant(grant: Grant, lake: Lake | undefined): Promise<LabmeshError | undefined> {
  const resource = grant.resource
  try {
    if (!lake) {
      if (grant.rowFilter !== undefined) await checkRowFilter(grant.rowFilter, formatResource(resource))
      return undefined
    }
    if (resource.kind === 'tags') return undefined
    if (resource.kind === 'database' || resource.table === '*') {
      if ((await lake.catalog.list(resource.database)).length === 0)
        return new LabmeshError('NOT_FOUND', `there is no database ${resource.database} in the catalog`, {subject: resource.database})
      return undefined
    }
    const name = `${resource.database}.${resource.table}`
    const {table} = await findTable(lake, resource)
    const unknown = unknownColumn(
      grant,
      name,
      (await table.snapshot()).schema.fields.map((f) => f.name),
    )
    if (unknown) return unknown
    if (grant.rowFilter !== undefined) await checkRowFilter(grant.rowFilter, name, await table.scanSql({}))
    return undefined
  } catch (error) {
    return toLabmeshError(error)
  }
}

/** INVALID_INPUT naming the first column of `grant`'s restriction that `table` (with columns `known`) lacks, and the closest it has. */
export function unknownColumn(grant: Grant, table: string, known: string[]): LabmeshError | undefined {
  for (const column of [...(grant.columns ?? []), ...(grant.excludeColumns ?? [])]) {
    if (!known.includes(column)) {
      const closest = [...known].sort((a, b) => editDistance(a, column) - editDistance(b, column))[0]
      return new LabmeshError('INVALID_INPUT', `${table} has no column "${column}"${closest ? ` (did you mean ${closest}?)` : ''}`, {
        subject: column,
      })
    }
  }
  return undefined
}
