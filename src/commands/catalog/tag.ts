import {Args, Flags} from '@oclif/core'

import type {TaggedResource} from '../../backends/types.js'
import {LabmeshCommand} from '../../base-command.js'
import {LabmeshError} from '../../errors.js'
import {findTable} from '../../lake/catalog/table-ref.js'
import {auditContext} from '../../sharing/audit.js'
import {sharingBackend} from '../../sharing/backend.js'
import {parseResource} from '../../sharing/grant.js'
import {parseTag, type Tag} from '../../sharing/tags.js'

export default class CatalogTag extends LabmeshCommand<typeof CatalogTag> {
  static override summary = 'Tag a database or table (LF-Tags on AWS), for grants on tag expressions (`catalog share --tag`).'
  static override description = `A resource has one value per tag key; a table carries its database's tags unless it has its own value for a key. Grants on a tag expression reach every table whose tags match, including tables tagged later. Without key=value pairs or --remove, shows the resource's tags.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab.plate_reader_measurement domain=assay',
    '<%= config.bin %> <%= command.id %> lab confidentiality=internal',
    '<%= config.bin %> <%= command.id %> lab.plate_reader_measurement --remove domain',
  ]
  static override args = {
    resource: Args.string({description: 'database.table or database.', required: true}),
    tag: Args.string({description: 'Tags to set, key=value (one or more).', multiple: true}),
  }
  static override flags = {
    remove: Flags.string({char: 'r', multiple: true, description: 'A tag key to remove (repeatable).'}),
  }

  public async run(): Promise<{resource: TaggedResource; tags: Tag[]}> {
    const parsed = parseResource(this.args.resource)
    if (parsed.kind === 'tags' || (parsed.kind === 'table' && parsed.table === '*'))
      throw new LabmeshError('USAGE', 'tag one table (database.table) or a database at a time')
    const resource: TaggedResource =
      parsed.kind === 'table' ? {database: parsed.database, table: parsed.table} : {database: parsed.database}
    const set = (this.args.tag ?? []).map(parseTag)
    const remove = this.flags.remove ?? []
    const backend = await this.backend()
    const {store, lake} = sharingBackend(backend)
    if (lake) {
      if (resource.table !== undefined) await findTable(lake, {database: resource.database, table: resource.table})
      else if ((await lake.catalog.list(resource.database)).length === 0)
        throw new LabmeshError('NOT_FOUND', `there is no database ${resource.database} in the catalog`, {subject: resource.database})
    }
    const tags = await store.tag(resource, set, remove, auditContext([...this.id!.split(':'), ...this.argv]))
    if (!this.jsonEnabled()) this.log(`Tags of ${this.args.resource}: ${tags.map((t) => `${t.key}=${t.value}`).join(', ') || '(none)'}`)
    return {resource, tags}
  }
}
