import {CreateDatabaseCommand, CreateTableCommand, type GlueClient} from '@aws-sdk/client-glue'
import {
  type BatchPermissionsRequestEntry,
  BatchGrantPermissionsCommand,
  BatchRevokePermissionsCommand,
  CreateDataCellsFilterCommand,
  type DataCellsFilter,
  DeleteDataCellsFilterCommand,
  GrantPermissionsCommand,
  type LakeFormationClient,
  paginateListDataCellsFilter,
  paginateListPermissions,
  type ListPermissionsCommandOutput,
  type ListPermissionsRequest,
} from '@aws-sdk/client-lakeformation'

import {LabmeshError} from '../../errors.js'
import {formatGrant, formatResource, type Grant} from '../../sharing/grant.js'
import {parsePrincipal} from '../../sharing/principal.js'
import {tookEffect} from '../../sharing/plan.js'
import type {AuditContext, AuditEntry, GrantAction, GrantChange, GrantChangeOutcome, GrantStore} from '../types.js'
import {glueGrantChecker} from './lake-formation-checks.js'
import {isNamed, lakeFormationCall, lakeFormationError, type LakeFormationAction} from './lake-formation-errors.js'
import {cellsFilterOf, FILTER_PREFIX, glueDatabase, grantsOf, type LakeFormationNames, lfResource} from './lake-formation-resources.js'
import {createLakeFormationTags} from './lake-formation-tags.js'

/**
 * Where the aws backend keeps the audit trail of grant changes (its PostgreSQL database). Lake
 * Formation and the trail are not one transaction: a grant change is recorded pending before it
 * is sent and settled after, and a listing of grants settles what a stopped run left pending.
 */
export interface AuditTrail {
  /** Records changes already made (tags). */
  record(entries: AuditEntry[]): Promise<void>
  /** Records grant changes about to be sent as pending: their ids, in order. */
  begin(entries: AuditEntry[]): Promise<string[]>
  /** Settles pending entries: made ones join the history, the others never show. */
  settle(made: string[], notMade: string[]): Promise<void>
  /** Entries still pending, oldest first (of one principal, or all). */
  pending(principal?: string): Promise<{id: string; entry: AuditEntry}[]>
  /** Changes made, newest first. */
  history(filter: {principal?: string; limit?: number}): Promise<AuditEntry[]>
}

export interface LakeFormationGrantStoreOptions {
  names: LakeFormationNames
  /** The profile's Region: where the catalog and its tables are. */
  region: string
  /** A Lake Formation client for a Region (the profile's when none is named). */
  lakeFormation(region?: string): LakeFormationClient
  /** A Glue client for a Region: the table columns restricted grants name, and resource links made by --target-region. */
  glue(region: string): GlueClient
  /** Without one, changes are made but `history` is UNSUPPORTED. */
  audit?: AuditTrail
}

/** BatchGrantPermissions and BatchRevokePermissions take at most this many entries. */
const BATCH_SIZE = 20

/**
 * The aws backend's GrantStore: Lake Formation permissions are the grants (there is no copy of
 * them to drift). Changes go in batches of 20 with failures reported entry by entry; data cells
 * filters are created before the grants that use them and deleted once no permission uses them;
 * principals in other accounts receive grants through AWS RAM (docs/sharing.md says what the
 * receiving account does).
 */
export function createLakeFormationGrantStore(options: LakeFormationGrantStoreOptions): GrantStore {
  const {names} = options
  const client = options.lakeFormation()

  const listFilters = async (): Promise<Map<string, DataCellsFilter>> => {
    const filters = new Map<string, DataCellsFilter>()
    const action = {
      what: 'list data cells filters',
      needs: 'DESCRIBE on the filters (or to be a data lake administrator)',
      iamAction: 'lakeformation:ListDataCellsFilter',
    }
    await lakeFormationCall(action, async () => {
      for await (const page of paginateListDataCellsFilter({client}, {MaxResults: 100}))
        for (const filter of page.DataCellsFilters ?? []) filters.set(`${filter.DatabaseName}.${filter.TableName}.${filter.Name}`, filter)
    })
    return filters
  }

  const listPermissions = async (input: ListPermissionsRequest): Promise<ListPermissionsCommandOutput[]> => {
    const action = {
      what: 'list permissions',
      needs: 'to be a data lake administrator, or grant options on the resources (Lake Formation lists only what the caller may grant)',
      iamAction: 'lakeformation:ListPermissions',
    }
    const pages: ListPermissionsCommandOutput[] = []
    await lakeFormationCall(action, async () => {
      for await (const page of paginateListPermissions({client}, {CatalogId: names.catalogId, MaxResults: 100, ...input})) pages.push(page)
    })
    return pages
  }

  const tags = createLakeFormationTags({client, names})

  return {
    async list(filter = {}) {
      const [filters, pages] = await Promise.all([
        listFilters(),
        listPermissions(filter.principal === undefined ? {} : {Principal: {DataLakePrincipalIdentifier: filter.principal}}),
      ])
      const current = pages.flatMap((page) => (page.PrincipalResourcePermissions ?? []).flatMap((entry) => grantsOf(entry, names, filters)))
      await settleLeftPending(current, filter.principal)
      return current
    },

    async apply(changes, audit, applyOptions = {}) {
      const outcomes = new Map<GrantChange, GrantChangeOutcome>()
      const fail = (change: GrantChange, error: LabmeshError): void =>
        void outcomes.set(change, {...change, error: {code: error.code, message: error.message}})
      const revokes = changes.filter((c) => c.action === 'revoke')
      const grants = changes.filter((c) => c.action === 'grant')
      if (applyOptions.targetRegion !== undefined)
        for (const change of grants) if (!isSingleTable(change.grant)) fail(change, targetRegionRefused(change.grant))
      const check = glueGrantChecker(options.glue(options.region), names)
      for (const change of grants) {
        if (outcomes.has(change)) continue
        const problem = await check(change.grant)
        if (problem) fail(change, problem)
      }
      // Recorded before Lake Formation sees them: a run stopped after a change leaves it pending, not unaudited.
      const sent = changes.filter((change) => !outcomes.has(change))
      const at = new Date().toISOString()
      const ids = (await options.audit?.begin(sent.map((c) => ({at, ...auditOf(audit), action: c.action, grant: c.grant})))) ?? []

      await batch(client, 'revoke', revokes, names, fail)
      await deleteUnusedFilters(revokes.filter((c) => !outcomes.has(c)).map((c) => c.grant))
      for (const change of grants) {
        if (outcomes.has(change)) continue
        const problem = await createFilterFor(change.grant)
        if (problem) fail(change, problem)
      }
      await batch(
        client,
        'grant',
        grants.filter((c) => !outcomes.has(c)),
        names,
        fail,
      )
      // Made in Lake Formation, even if the resource link in another Region fails after.
      const made = new Set(changes.filter((c) => !outcomes.has(c)))
      if (applyOptions.targetRegion !== undefined)
        for (const change of grants) {
          if (outcomes.has(change)) continue
          const problem = await linkInRegion(change.grant, applyOptions.targetRegion)
          if (problem) fail(change, problem)
        }

      const ordered = [...revokes, ...grants].map((change): GrantChangeOutcome => outcomes.get(change) ?? {...change, ...notesFor(change)})
      await options.audit?.settle(
        ids.filter((_, i) => made.has(sent[i])),
        ids.filter((_, i) => !made.has(sent[i])),
      )
      return ordered
    },

    async history(filter = {}) {
      if (!options.audit)
        throw new LabmeshError('UNSUPPORTED', 'this aws profile keeps no audit trail of grant changes: it needs the metadata database', {
          suggestions: ['Lake Formation calls are also recorded by AWS CloudTrail (eventsource lakeformation.amazonaws.com)'],
        })
      return options.audit.history(filter)
    },

    listTags: () => tags.listTags(),

    async tag(resource, set, remove, audit) {
      const result = await tags.tag(resource, set, remove)
      const at = new Date().toISOString()
      await options.audit?.record([
        ...(set.length > 0 ? [{at, ...auditOf(audit), action: 'tag' as const, resource, tags: set}] : []),
        ...(result.removed.length > 0 ? [{at, ...auditOf(audit), action: 'untag' as const, resource, tags: result.removed}] : []),
      ])
      return result.tags
    },
  }

  /**
   * Settles audit entries a stopped run left pending from the grants Lake Formation now holds
   * (`current`, of `principal` or of all): a change that took effect was made.
   */
  async function settleLeftPending(current: Grant[], principal: string | undefined): Promise<void> {
    const pending = (await options.audit?.pending(principal)) ?? []
    if (pending.length === 0) return
    const made = pending.filter(({entry}) => entry.grant && tookEffect({action: entry.action as GrantAction, grant: entry.grant}, current))
    await options.audit!.settle(
      made.map((p) => p.id),
      pending.filter((p) => !made.includes(p)).map((p) => p.id),
    )
  }

  /** Creates the data cells filter a grant needs; an existing one with the same name holds the same restriction (names are hashes of it). */
  async function createFilterFor(grant: Grant): Promise<LabmeshError | undefined> {
    const filter = cellsFilterOf(grant, names)
    if (!filter) return undefined
    const action: LakeFormationAction = {
      what: `create the data cells filter for ${formatGrant(grant)}`,
      needs: `SELECT with the grant option on ${formatResource(grant.resource)} (or to be a data lake administrator)`,
      iamAction: 'lakeformation:CreateDataCellsFilter',
    }
    try {
      await lakeFormationCall(action, () => client.send(new CreateDataCellsFilterCommand({TableData: filter})))
      return undefined
    } catch (error) {
      return isNamed(error, 'AlreadyExistsException') ? undefined : (error as LabmeshError)
    }
  }

  /** Deletes the filters of revoked grants that no permission uses any more (only filters labmesh made). */
  async function deleteUnusedFilters(revoked: Grant[]): Promise<void> {
    const filters = new Map(
      revoked.flatMap((g) => (cellsFilterOf(g, names) ? [[cellsFilterOf(g, names)!.Name!, cellsFilterOf(g, names)!]] : [])),
    )
    for (const filter of filters.values()) {
      const Resource = {
        DataCellsFilter: {
          TableCatalogId: names.catalogId,
          DatabaseName: filter.DatabaseName,
          TableName: filter.TableName,
          Name: filter.Name,
        },
      }
      const used = await listPermissions({Resource, MaxResults: 1})
      if (used.some((page) => (page.PrincipalResourcePermissions ?? []).length > 0) || !filter.Name?.startsWith(FILTER_PREFIX)) continue
      const action = {
        what: `delete the unused data cells filter ${filter.Name} on ${filter.DatabaseName}.${filter.TableName}`,
        needs: `DROP on the data cells filter ${filter.Name} (or to be a data lake administrator)`,
        iamAction: 'lakeformation:DeleteDataCellsFilter',
      }
      try {
        await lakeFormationCall(action, () =>
          client.send(
            new DeleteDataCellsFilterCommand({
              TableCatalogId: names.catalogId,
              DatabaseName: filter.DatabaseName,
              TableName: filter.TableName,
              Name: filter.Name,
            }),
          ),
        )
      } catch (error) {
        if (!isNamed(error, 'EntityNotFoundException')) throw error
      }
    }
  }

  /**
   * Shares a table into another Region: a Glue resource link there (in a database of the same
   * name, made if missing) pointing at the table here, and DESCRIBE on the link for the
   * principal; the grant made here on the table gives the rows.
   */
  async function linkInRegion(grant: Grant, region: string): Promise<LabmeshError | undefined> {
    if (grant.resource.kind !== 'table') return undefined
    const DatabaseName = glueDatabase(names, grant.resource.database)
    const Name = grant.resource.table
    const glue = options.glue(region)
    const link = {
      what: `create the resource link ${DatabaseName}.${Name} in ${region}`,
      needs: 'CREATE_TABLE on the database there (or to be a data lake administrator)',
      iamAction: 'glue:CreateTable',
    }
    try {
      await lakeFormationCall(
        {...link, what: `create database ${DatabaseName} in ${region}`, needs: 'CREATE_DATABASE', iamAction: 'glue:CreateDatabase'},
        () => glue.send(new CreateDatabaseCommand({DatabaseInput: {Name: DatabaseName}})),
      ).catch((error: unknown) => {
        if (!isNamed(error, 'AlreadyExistsException')) throw error
      })
      await lakeFormationCall(link, () =>
        glue.send(
          new CreateTableCommand({
            DatabaseName,
            TableInput: {Name, TargetTable: {CatalogId: names.catalogId, DatabaseName, Name, Region: options.region}},
          }),
        ),
      ).catch((error: unknown) => {
        if (!isNamed(error, 'AlreadyExistsException')) throw error
      })
      const describe = {
        what: `grant DESCRIBE on the resource link ${DatabaseName}.${Name} in ${region}`,
        needs: 'DESCRIBE with the grant option on the link',
        iamAction: 'lakeformation:GrantPermissions',
      }
      await lakeFormationCall(describe, () =>
        options.lakeFormation(region).send(
          new GrantPermissionsCommand({
            CatalogId: names.catalogId,
            Principal: {DataLakePrincipalIdentifier: grant.principal},
            Resource: {Table: {CatalogId: names.catalogId, DatabaseName, Name}},
            Permissions: ['DESCRIBE'],
          }),
        ),
      )
      return undefined
    } catch (error) {
      return error as LabmeshError
    }
  }

  /** What the receiving account does for a grant to another account (RAM share). */
  function notesFor(change: GrantChange): Pick<GrantChangeOutcome, 'notes'> {
    const account = parsePrincipal(change.grant.principal).account
    if (change.action !== 'grant' || account === undefined || account === names.catalogId) return {}
    return {
      notes: [
        `${change.grant.principal} is in account ${account}: Lake Formation shares through AWS RAM. In that account, accept the resource share in RAM (automatic within an organization), then create a resource link to ${glueDatabase(names, databaseOf(change.grant))} in its own Data Catalog and grant its users on the link (see docs/sharing.md).`,
      ],
    }
  }
}

async function batch(
  client: LakeFormationClient,
  action: 'grant' | 'revoke',
  changes: GrantChange[],
  names: LakeFormationNames,
  fail: (change: GrantChange, error: LabmeshError) => void,
): Promise<void> {
  for (let start = 0; start < changes.length; start += BATCH_SIZE) {
    const chunk = changes.slice(start, start + BATCH_SIZE)
    const Entries: BatchPermissionsRequestEntry[] = chunk.map((change, i) => ({
      Id: String(i),
      Principal: {DataLakePrincipalIdentifier: change.grant.principal},
      Resource: lfResource(change.grant, names),
      Permissions: change.grant.permissions,
      PermissionsWithGrantOption: change.grant.grantable ? change.grant.permissions : [],
    }))
    const whole: LakeFormationAction = {
      what: `${action} permissions`,
      needs: 'the permissions with the grant option on the resources (or to be a data lake administrator)',
      iamAction: `lakeformation:Batch${action === 'grant' ? 'Grant' : 'Revoke'}Permissions`,
    }
    const command =
      action === 'grant'
        ? new BatchGrantPermissionsCommand({CatalogId: names.catalogId, Entries})
        : new BatchRevokePermissionsCommand({CatalogId: names.catalogId, Entries})
    let failures
    try {
      failures = (await lakeFormationCall(whole, () => client.send(command as BatchGrantPermissionsCommand))).Failures ?? []
    } catch (error) {
      for (const change of chunk) fail(change, error as LabmeshError)
      continue
    }
    for (const failure of failures) {
      const change = chunk[Number(failure.RequestEntry?.Id)]
      if (!change) continue
      const grant = change.grant
      fail(
        change,
        lakeFormationError(failure.Error?.ErrorCode, failure.Error?.ErrorMessage, {
          what: `${action} ${grant.permissions.join(', ')} on ${formatResource(grant.resource)} ${action === 'grant' ? 'to' : 'from'} ${grant.principal}`,
          needs: `${grant.permissions.join(', ')} with the grant option on ${formatResource(grant.resource)} (or to be a data lake administrator)`,
          iamAction: whole.iamAction,
        }),
      )
    }
  }
}

function isSingleTable(grant: Grant): boolean {
  return grant.resource.kind === 'table' && grant.resource.table !== '*'
}

function targetRegionRefused(grant: Grant): LabmeshError {
  return new LabmeshError(
    'INVALID_INPUT',
    `--target-region shares one table at a time through a resource link; ${formatResource(grant.resource)} is not one table`,
  )
}

function databaseOf(grant: Grant): string {
  return grant.resource.kind === 'tags' ? '(the tagged tables)' : grant.resource.database
}

function auditOf(audit: AuditContext): Pick<AuditEntry, 'actor' | 'commandLine'> {
  return {actor: audit.actor, commandLine: audit.commandLine}
}
