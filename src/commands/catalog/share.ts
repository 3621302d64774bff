import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {auditContext} from '../../sharing/audit.js'
import {grantArgs, grantFlags, grantsFromFlags} from '../../sharing/flags.js'
import {renderSharing} from '../../sharing/render.js'
import {share, type SharingResult} from '../../sharing/share.js'
import {sharingBackend} from '../../sharing/backend.js'

export default class CatalogShare extends LabmeshCommand<typeof CatalogShare> {
  static override summary = 'Grant principals access to a database, tables, columns and rows.'
  static override description = `Locally grants live in the workspace and \`labmesh query --as PRINCIPAL\` enforces them; on AWS they are Lake Formation permissions (row filters become data cells filters, --tag grants LF-Tag expressions). Granting adds to what the principal has; \`catalog revoke\` takes away, \`catalog apply\` makes the grants match a file. Every change is audited (\`catalog grants --history\`).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab.plate_reader_measurement --principal bob --permissions SELECT',
    `<%= config.bin %> <%= command.id %> lab.plate_reader_measurement --principal bob --permissions SELECT --columns file_id,absorbance --row-filter "sample_location_identifier LIKE 'A%'"`,
    '<%= config.bin %> <%= command.id %> lab.* --principal arn:aws:iam::123456789012:role/analysts --permissions SELECT,DESCRIBE --dry-run',
    '<%= config.bin %> <%= command.id %> --tag domain=assay --principal 210987654321 --permissions SELECT --target-region eu-west-1',
  ]
  static override args = grantArgs
  static override flags = {
    ...grantFlags,
    permissions: Flags.string({
      char: 'p',
      required: true,
      description:
        'SELECT, DESCRIBE, ALTER, INSERT, DELETE, DROP (tables); DESCRIBE, ALTER, DROP, CREATE_TABLE (databases); comma-separated.',
    }),
    grantable: Flags.boolean({description: 'The principal may grant these permissions to others.'}),
    'target-region': Flags.string({description: 'AWS: also share into this Region, through resource links there.'}),
  }

  public async run(): Promise<SharingResult> {
    const grants = grantsFromFlags(this.args.resource, this.flags, {permissionsRequired: true})
    const {store, lake} = sharingBackend(await this.backend())
    const result = await share(grants, {
      store,
      lake,
      audit: auditContext([...this.id!.split(':'), ...this.argv]),
      dryRun: this.flags['dry-run'],
      apply: {targetRegion: this.flags['target-region']},
    })
    if (!this.jsonEnabled()) this.log(renderSharing(result, {showUnchanged: true}))
    if (result.failed > 0) this.failBatch()
    return result
  }
}
