import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {AuditLogEntry} from '../../backends/types.js'
import {sinceFlag} from '../../flags/time.js'
import {wideFlag} from '../../flags/wide.js'
import {renderTable} from '../../output/table.js'

export default class AuditList extends LabmeshCommand<typeof AuditList> {
  static override summary = 'List the audit log: who deleted which files, tables and saved searches, and when.'
  static override description = 'Newest first. Profile removals are recorded in audit.jsonl beside the config file instead.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --since 7d --json']
  static override flags = {
    since: sinceFlag({description: 'Only entries at or after this time: 2026-11-30, 2026-11-30T14:00Z, or 7d ago.'}),
    limit: Flags.integer({description: 'At most this many entries.', default: 100, min: 1}),
    ...wideFlag,
  }

  public async run(): Promise<{entries: AuditLogEntry[]}> {
    const {audit} = await this.backend()
    const entries = await audit.list({limit: this.flags.limit, since: this.flags.since?.toISOString()})
    this.printListing(
      entries.length,
      () =>
        renderTable(
          ['time', 'action', 'subject', 'user', 'host'],
          entries.map((e) => [e.at, e.action, e.subject, e.user, e.host]),
          this.layout,
        ),
      'The audit log is empty: deletions are recorded here.',
    )
    return {entries}
  }
}
