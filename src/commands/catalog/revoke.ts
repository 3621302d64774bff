import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {auditContext} from '../../sharing/audit.js'
import {sharingBackend} from '../../sharing/backend.js'
import {grantArgs, grantFlags, grantsFromFlags} from '../../sharing/flags.js'
import {renderSharing} from '../../sharing/render.js'
import {revoke, type SharingResult} from '../../sharing/share.js'

export default class CatalogRevoke extends LabmeshCommand<typeof CatalogRevoke> {
  static override summary = 'Take away permissions granted with `catalog share`.'
  static override description = `Name the grant as it was given: the same resource (or --tag), and the same --columns, --exclude-columns and --row-filter. Without --permissions every permission of that grant goes. Exits 3 when the principal has no such grant.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab.plate_reader_measurement --principal bob',
    `<%= config.bin %> <%= command.id %> lab.plate_reader_measurement --principal bob --permissions SELECT --row-filter "site = 'boston'"`,
  ]
  static override args = grantArgs
  static override flags = {
    ...grantFlags,
    permissions: Flags.string({char: 'p', description: 'Only these permissions (comma-separated); default: all of the grant.'}),
  }

  public async run(): Promise<SharingResult> {
    const targets = grantsFromFlags(this.args.resource, this.flags, {permissionsRequired: false})
    const {store} = sharingBackend(await this.backend())
    const audit = auditContext([...this.id!.split(':'), ...this.argv])
    const results: SharingResult[] = []
    for (const target of targets) results.push(await revoke(target, {store, audit, dryRun: this.flags['dry-run']}))
    const result: SharingResult = {
      plan: {add: [], remove: results.flatMap((r) => r.plan.remove), unchanged: []},
      applied: results.some((r) => r.applied),
      outcomes: results.flatMap((r) => r.outcomes),
      failed: results.reduce((n, r) => n + r.failed, 0),
    }
    if (!this.jsonEnabled()) this.log(renderSharing(result))
    if (result.failed > 0) this.failBatch()
    return result
  }
}
