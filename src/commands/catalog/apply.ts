import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {auditContext} from '../../sharing/audit.js'
import {sharingBackend} from '../../sharing/backend.js'
import {planChanges} from '../../sharing/plan.js'
import {renderSharing} from '../../sharing/render.js'
import {readSharesFile} from '../../sharing/shares-file.js'
import {applySharesFile, type SharingResult} from '../../sharing/share.js'

/** Exit code of --check when the grants differ from the file: CI gates on it. */
const DRIFT_EXIT_CODE = 2

export default class CatalogApply extends LabmeshCommand<typeof CatalogApply> {
  static override summary = 'Make the grants match a shares file: plan, show the difference, apply it.'
  static override description = `The file lists the grants wanted (YAML):

  version: 1
  principals:                        # optional
    - principal: bob
      exclusive: true                # bob's grants not in this file are revoked
  grants:
    - principal: bob                 # AWS: account id, IAM role or user ARN, organization or OU ARN
      table: lab.plate_reader_measurement   # or lab.*; or database: lab; or tags: {domain: assay}
      permissions: [SELECT]
      columns: [file_id, absorbance] # optional; or exclude_columns: [...]
      row_filter: "site = 'boston'"  # optional
      grantable: false               # optional

For each principal and resource the file names, it owns the grants: what the file does not ask for there is revoked. Grants on other resources stay, unless the principal is exclusive. Applying the same file twice changes nothing the second time. --check applies nothing and exits 2 when the grants differ from the file (0 when they match), for CI.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> shares.yaml',
    '<%= config.bin %> <%= command.id %> shares.yaml --check',
    '<%= config.bin %> <%= command.id %> shares.yaml --dry-run --json',
  ]
  static override args = {
    file: Args.string({description: 'The shares file (YAML).', required: true}),
  }
  static override flags = {
    check: Flags.boolean({description: 'Change nothing; exit 2 when the grants differ from the file.', exclusive: ['dry-run']}),
    'dry-run': Flags.boolean({description: 'Show the plan; change nothing.'}),
  }

  public async run(): Promise<SharingResult & {file: string; drift: boolean}> {
    const file = await readSharesFile(this.args.file)
    const {store, lake} = sharingBackend(await this.backend())
    const result = await applySharesFile(file, {
      store,
      lake,
      audit: auditContext([...this.id!.split(':'), ...this.argv]),
      dryRun: this.flags.check || this.flags['dry-run'],
    })
    const drift = planChanges(result.plan) > 0
    if (!this.jsonEnabled()) {
      this.log(renderSharing(result))
      if (this.flags.check) this.log(drift ? `${this.args.file} and the grants differ.` : `The grants match ${this.args.file}.`)
    }
    if (this.flags.check && drift) process.exitCode = DRIFT_EXIT_CODE
    else if (result.failed > 0) this.failBatch()
    return {file: this.args.file, drift, ...result}
  }
}
