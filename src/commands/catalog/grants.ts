import {Flags} from '@oclif/core'

import type {AuditEntry} from '../../backends/types.js'
import {LabmeshCommand} from '../../base-command.js'
import {wideFlag} from '../../flags/wide.js'
import {parseTableRef} from '../../lake/catalog/table-ref.js'
import {tableAccess} from '../../sharing/access.js'
import {sharingBackend} from '../../sharing/backend.js'
import type {Grant} from '../../sharing/grant.js'
import {parsePrincipal} from '../../sharing/principal.js'
import {mergeGrants} from '../../sharing/plan.js'
import {renderGrants, renderHistory} from '../../sharing/render.js'
import {tableTags} from '../../sharing/tags.js'

export default class CatalogGrants extends LabmeshCommand<typeof CatalogGrants> {
  static override summary = 'List the grants, or with --history every change made to grants and tags.'
  static override description = 'A table on a terminal, tab-separated rows with a header down a pipe.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --principal bob --table lab.plate_reader_measurement',
    '<%= config.bin %> <%= command.id %> --history --principal bob --json',
  ]
  static override flags = {
    principal: Flags.string({char: 'P', description: "Only this principal's grants."}),
    table: Flags.string({char: 't', description: 'Only grants that reach this table (on it, on its database.*, or on tags it carries).'}),
    history: Flags.boolean({description: 'The audit trail instead: who changed what, when, with which command line (newest first).'}),
    limit: Flags.integer({default: 100, min: 1, description: 'With --history, the most recent changes to show.'}),
    ...wideFlag,
  }

  public async run(): Promise<{grants: Grant[]} | {history: AuditEntry[]}> {
    const principal = this.flags.principal === undefined ? undefined : parsePrincipal(this.flags.principal).id
    const {store} = sharingBackend(await this.backend())
    if (this.flags.history) {
      const history = await store.history({principal, limit: this.flags.limit})
      if (!this.jsonEnabled()) this.printListing(history.length, () => renderHistory(history, this.layout), 'No changes recorded.')
      return {history}
    }
    let grants = mergeGrants(await store.list({principal}))
    if (this.flags.table !== undefined) {
      const ref = parseTableRef(this.flags.table)
      const tags = tableTags(await store.listTags(), ref)
      grants = grants.filter((grant) => tableAccess([grant], ref, tags) !== undefined)
    }
    if (!this.jsonEnabled()) this.printListing(grants.length, () => renderGrants(grants, this.layout), 'No grants.')
    return {grants}
  }
}
