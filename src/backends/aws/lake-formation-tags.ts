import {
  AddLFTagsToResourceCommand,
  CreateLFTagCommand,
  GetLFTagCommand,
  GetResourceLFTagsCommand,
  type LakeFormationClient,
  type LFTagPair,
  paginateListLFTags,
  paginateSearchDatabasesByLFTags,
  paginateSearchTablesByLFTags,
  RemoveLFTagsFromResourceCommand,
  type Resource,
  UpdateLFTagCommand,
} from '@aws-sdk/client-lakeformation'

import type {Tag} from '../../sharing/tags.js'
import type {TaggedResource} from '../types.js'
import {isNamed, lakeFormationCall, lakeFormationError} from './lake-formation-errors.js'
import {glueDatabase, type LakeFormationNames} from './lake-formation-resources.js'

/**
 * Tags as LF-Tags: a tag key is an LF-Tag whose allowed values grow as resources are tagged
 * (CreateLFTag, then UpdateLFTag), assigned with AddLFTagsToResource (failures per tag) and
 * removed with RemoveLFTagsFromResource.
 */
export function createLakeFormationTags({client, names}: {client: LakeFormationClient; names: LakeFormationNames}) {
  const CatalogId = names.catalogId
  const resourceOf = (resource: TaggedResource): Resource =>
    resource.table === undefined
      ? {Database: {CatalogId, Name: glueDatabase(names, resource.database)}}
      : {Table: {CatalogId, DatabaseName: glueDatabase(names, resource.database), Name: resource.table}}
  const label = (resource: TaggedResource): string =>
    resource.table === undefined ? resource.database : `${resource.database}.${resource.table}`
  const fromPairs = (pairs: LFTagPair[] | undefined): Tag[] =>
    (pairs ?? []).map((p) => ({key: p.TagKey ?? '', value: p.TagValues?.[0] ?? ''})).sort((a, b) => (a.key < b.key ? -1 : 1))
  const unprefixed = (glue: string | undefined): string | undefined =>
    glue?.startsWith(names.databasePrefix) ? glue.slice(names.databasePrefix.length) : undefined

  async function ownTags(resource: TaggedResource): Promise<Tag[]> {
    const action = {
      what: `read the LF-Tags of ${label(resource)}`,
      needs: `DESCRIBE on ${label(resource)}`,
      iamAction: 'lakeformation:GetResourceLFTags',
    }
    const output = await lakeFormationCall(action, () =>
      client.send(new GetResourceLFTagsCommand({CatalogId, Resource: resourceOf(resource)})),
    )
    return fromPairs(resource.table === undefined ? output.LFTagOnDatabase : output.LFTagsOnTable)
  }

  /** Makes `value` one of the LF-Tag's allowed values, creating the LF-Tag when it is new. */
  async function allowValue(tag: Tag): Promise<void> {
    const action = {
      what: `define LF-Tag ${tag.key}=${tag.value}`,
      needs: `CREATE_LF_TAG, or ALTER on LF-Tag ${tag.key} (or to be a data lake administrator)`,
      iamAction: 'lakeformation:CreateLFTag and lakeformation:UpdateLFTag',
    }
    let values: string[] | undefined
    try {
      values = (await lakeFormationCall(action, () => client.send(new GetLFTagCommand({CatalogId, TagKey: tag.key})))).TagValues ?? []
    } catch (error) {
      if (!isNamed(error, 'EntityNotFoundException')) throw error
    }
    if (values === undefined)
      await lakeFormationCall(action, () => client.send(new CreateLFTagCommand({CatalogId, TagKey: tag.key, TagValues: [tag.value]})))
    else if (!values.includes(tag.value))
      await lakeFormationCall(action, () => client.send(new UpdateLFTagCommand({CatalogId, TagKey: tag.key, TagValuesToAdd: [tag.value]})))
  }

  return {
    async tag(resource: TaggedResource, set: Tag[], remove: string[]): Promise<{tags: Tag[]; removed: Tag[]}> {
      for (const tag of set) await allowValue(tag)
      const Resource = resourceOf(resource)
      if (set.length > 0) {
        const action = {
          what: `tag ${label(resource)}`,
          needs: `ASSOCIATE on the LF-Tags ${set.map((t) => t.key).join(', ')} and DESCRIBE on ${label(resource)}`,
          iamAction: 'lakeformation:AddLFTagsToResource',
        }
        const output = await lakeFormationCall(action, () =>
          client.send(
            new AddLFTagsToResourceCommand({
              CatalogId,
              Resource,
              LFTags: set.map((t) => ({CatalogId, TagKey: t.key, TagValues: [t.value]})),
            }),
          ),
        )
        const failure = output.Failures?.[0]
        if (failure) throw lakeFormationError(failure.Error?.ErrorCode, `${failure.LFTag?.TagKey}: ${failure.Error?.ErrorMessage}`, action)
      }
      const removed = remove.length > 0 ? (await ownTags(resource)).filter((t) => remove.includes(t.key)) : []
      if (removed.length > 0) {
        const action = {
          what: `remove tags from ${label(resource)}`,
          needs: `ASSOCIATE on the LF-Tags ${removed.map((t) => t.key).join(', ')}`,
          iamAction: 'lakeformation:RemoveLFTagsFromResource',
        }
        const output = await lakeFormationCall(action, () =>
          client.send(
            new RemoveLFTagsFromResourceCommand({
              CatalogId,
              Resource,
              LFTags: removed.map((t) => ({CatalogId, TagKey: t.key, TagValues: [t.value]})),
            }),
          ),
        )
        const failure = output.Failures?.[0]
        if (failure) throw lakeFormationError(failure.Error?.ErrorCode, `${failure.LFTag?.TagKey}: ${failure.Error?.ErrorMessage}`, action)
      }
      return {tags: await ownTags(resource), removed}
    },

    /** Every labmesh database and table carrying LF-Tags, found key by key (SearchDatabasesByLFTags, SearchTablesByLFTags). */
    async listTags(): Promise<{resource: TaggedResource; tags: Tag[]}[]> {
      const action = {
        what: 'search resources by LF-Tags',
        needs: 'DESCRIBE on the LF-Tags',
        iamAction: 'lakeformation:ListLFTags and lakeformation:SearchTablesByLFTags',
      }
      const found = new Map<string, {resource: TaggedResource; tags: Tag[]}>()
      const add = (resource: TaggedResource, tags: Tag[]): void => void found.set(JSON.stringify(resource), {resource, tags})
      await lakeFormationCall(action, async () => {
        for await (const page of paginateListLFTags({client}, {CatalogId, ResourceShareType: 'ALL'})) {
          for (const lfTag of page.LFTags ?? []) {
            const Expression = [{TagKey: lfTag.TagKey, TagValues: lfTag.TagValues}]
            for await (const found of paginateSearchDatabasesByLFTags({client}, {CatalogId, Expression}))
              for (const db of found.DatabaseList ?? []) {
                const database = unprefixed(db.Database?.Name)
                if (database !== undefined) add({database}, fromPairs(db.LFTags))
              }
            for await (const found of paginateSearchTablesByLFTags({client}, {CatalogId, Expression}))
              for (const table of found.TableList ?? []) {
                const database = unprefixed(table.Table?.DatabaseName)
                if (database !== undefined && table.Table?.Name) add({database, table: table.Table.Name}, fromPairs(table.LFTagsOnTable))
              }
          }
        }
      })
      return [...found.values()]
    },
  }
}
