import type {AuditEntry, GrantChangeOutcome} from '../backends/types.js'
import {listedTime} from '../output/format.js'
import type {TableLayout} from '../output/layout.js'
import {renderTable} from '../output/table.js'
import {formatGrant, formatResource, formatRestriction, type Grant} from './grant.js'
import type {GrantPlan} from './plan.js'
import type {SharingResult} from './share.js'

/** A plan as a diff: `+` grants to make, `-` grants to take away, then a count. */
export function renderPlan(plan: GrantPlan, options: {showUnchanged?: boolean} = {}): string {
  const lines = [
    ...plan.remove.map((g) => `- ${formatGrant(g)}`),
    ...plan.add.map((g) => `+ ${formatGrant(g)}`),
    ...(options.showUnchanged ? plan.unchanged.map((g) => `  ${formatGrant(g)}`) : []),
  ]
  const summary = `${plan.add.length} to grant, ${plan.remove.length} to revoke, ${plan.unchanged.length} unchanged.`
  return [...lines, summary].join('\n')
}

/** What share, revoke and apply did (or, with --dry-run/--check, would do). */
export function renderSharing(result: SharingResult, options: {showUnchanged?: boolean} = {}): string {
  const lines = [renderPlan(result.plan, options)]
  const failures = result.outcomes.filter((o): o is GrantChangeOutcome & {error: object} => o.error !== undefined)
  for (const failure of failures) lines.push(`failed to ${failure.action} ${formatGrant(failure.grant)}: ${failure.error.message}`)
  if (result.applied)
    lines.push(`Done: ${result.outcomes.length - failures.length} changes made${failures.length > 0 ? `, ${failures.length} failed` : ''}.`)
  else if (result.plan.add.length + result.plan.remove.length > 0) lines.push('Nothing was changed.')
  return lines.join('\n')
}

export function renderGrants(grants: Grant[], layout: TableLayout): string {
  return renderTable(
    ['principal', 'resource', 'permissions', 'columns and rows', 'grantable'],
    grants.map((g) => [g.principal, formatResource(g.resource), g.permissions.join(', '), formatRestriction(g), g.grantable ? 'yes' : '']),
    layout,
  )
}

export function renderHistory(entries: AuditEntry[], layout: TableLayout): string {
  return renderTable(
    ['time', 'actor', 'change', 'command'],
    entries.map((e) => [listedTime(e.at, layout), e.actor, describeChange(e), e.commandLine]),
    layout,
  )
}

function describeChange(entry: AuditEntry): string {
  if (entry.grant) return `${entry.action} ${formatGrant(entry.grant)}`
  const resource = entry.resource
    ? entry.resource.table
      ? `${entry.resource.database}.${entry.resource.table}`
      : entry.resource.database
    : ''
  const tags = (entry.tags ?? []).map((t) => (entry.action === 'untag' ? t.key : `${t.key}=${t.value}`)).join(', ')
  return `${entry.action} ${resource} ${tags}`
}
