import {type Grant, grantKey, type Permission, resourceKey, sortPermissions} from './grant.js'

/**
 * What it takes to go from the grants that exist to the ones wanted, computed permission by
 * permission (the unit Lake Formation grants and revokes) and shown grouped per grant.
 */
export interface GrantPlan {
  add: Grant[]
  remove: Grant[]
  unchanged: Grant[]
}

export interface PlanOptions {
  /**
   * Remove what exists for a principal and resource that `desired` describes but does not ask
   * for (a shares file owns each principal+resource it names); false adds only (`share`).
   */
  replaceDescribed: boolean
  /** Principals `desired` describes fully: every other grant of theirs is removed. */
  exclusive?: Iterable<string>
}

interface Entry {
  base: Omit<Grant, 'permissions' | 'grantable'>
  /** Permission -> with grant option. */
  permissions: Map<Permission, boolean>
}

export function computePlan(desired: Grant[], existing: Grant[], options: PlanOptions): GrantPlan {
  const want = entries(desired)
  const have = entries(existing)
  const exclusive = new Set(options.exclusive ?? [])
  const described = new Set(desired.map((g) => JSON.stringify([g.principal, resourceKey(g.resource)])))
  const plan: GrantPlan = {add: [], remove: [], unchanged: []}
  for (const [key, wanted] of want) {
    const current = have.get(key)
    const add: [Permission, boolean][] = []
    const remove: [Permission, boolean][] = []
    const same: [Permission, boolean][] = []
    for (const [permission, grantable] of wanted.permissions) {
      const now = current?.permissions.get(permission)
      if (now === grantable) same.push([permission, grantable])
      else {
        // A change of grant option is a revoke of the old permission and a grant of the new one.
        if (now !== undefined) remove.push([permission, now])
        add.push([permission, grantable])
      }
    }
    if (current && options.replaceDescribed) {
      for (const [permission, grantable] of current.permissions)
        if (!wanted.permissions.has(permission)) remove.push([permission, grantable])
    }
    plan.add.push(...grouped(wanted.base, add))
    plan.remove.push(...grouped(wanted.base, remove))
    plan.unchanged.push(...grouped(wanted.base, same))
  }
  for (const [key, current] of have) {
    if (want.has(key)) continue
    const managed =
      exclusive.has(current.base.principal) ||
      (options.replaceDescribed && described.has(JSON.stringify([current.base.principal, resourceKey(current.base.resource)])))
    if (managed) plan.remove.push(...grouped(current.base, [...current.permissions]))
  }
  return plan
}

/** What revoking `target` removes: its permissions (all of them when it names none) that exist on the same principal, resource and restriction. */
export function planRevoke(target: Grant, existing: Grant[]): Grant[] {
  const current = entries(existing).get(grantKey(target))
  if (!current) return []
  const chosen = [...current.permissions].filter(
    ([permission]) => target.permissions.length === 0 || target.permissions.includes(permission),
  )
  return grouped(current.base, chosen)
}

/** Grants stored a permission at a time, merged into one grant per principal, resource, restriction and grant option. */
export function mergeGrants(grants: Grant[]): Grant[] {
  return [...entries(grants).values()].flatMap((entry) => grouped(entry.base, [...entry.permissions]))
}

export function planChanges(plan: GrantPlan): number {
  return plan.add.length + plan.remove.length
}

function entries(grants: Grant[]): Map<string, Entry> {
  const map = new Map<string, Entry>()
  for (const grant of grants) {
    const key = grantKey(grant)
    const {permissions, grantable, ...base} = grant
    const entry = map.get(key) ?? {base, permissions: new Map<Permission, boolean>()}
    // The same permission granted with and without the option: the option wins, as in Lake Formation.
    for (const permission of permissions) entry.permissions.set(permission, grantable || (entry.permissions.get(permission) ?? false))
    map.set(key, entry)
  }
  return map
}

/** Permissions grouped into one grant per grant option. */
function grouped(base: Entry['base'], permissions: [Permission, boolean][]): Grant[] {
  return [false, true].flatMap((grantable) => {
    const chosen = permissions.filter(([, g]) => g === grantable).map(([p]) => p)
    return chosen.length > 0 ? [{...base, permissions: sortPermissions(chosen), grantable}] : []
  })
}

/**
 * Whether `change` holds in `current`: every permission it grants is there, or none it revokes
 * is, with the grant's option (a revoke of SELECT followed by a grant of SELECT with the grant
 * option both hold).
 */
export function tookEffect(change: {action: 'grant' | 'revoke'; grant: Grant}, current: Grant[]): boolean {
  const missing = computePlan([change.grant], current, {replaceDescribed: false}).add.flatMap((g) => g.permissions)
  return change.action === 'grant' ? missing.length === 0 : missing.length === change.grant.permissions.length
}
