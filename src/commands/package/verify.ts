import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import {type PackageCheck, verifyDataPackage} from '../../package/verify.js'
import {wideFlag} from '../../flags/wide.js'
import {renderTable} from '../../output/table.js'

export default class PackageVerify extends LabmeshCommand<typeof PackageVerify> {
  static override completions: Completions = {dir: 'dirs'}
  static override summary = "Check a data package's files against its datapackage.json: each resource's size and hash."
  static override description =
    'Exits with 6 (invalid data) when a file is missing, outside the package folder, or differs from what the descriptor records.'
  static override examples = ['<%= config.bin %> <%= command.id %> ./plates']
  static override flags = {...wideFlag}
  static override args = {
    dir: Args.string({description: 'The package folder (holding datapackage.json).', required: true}),
  }

  public async run(): Promise<PackageCheck> {
    const check = await verifyDataPackage(this.args.dir)
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['resource', 'path', 'bytes', 'hash', 'result'],
          check.resources.map((r) => [
            r.name,
            r.paths.join(', '),
            r.bytes.actual ?? '',
            r.hash.actual ?? '',
            r.ok ? 'ok' : r.problems.join('; '),
          ]),
          this.layout,
        ),
      )
      this.note(
        check.valid
          ? `${check.dir}: every resource matches datapackage.json.`
          : `${check.dir}: some resources do not match datapackage.json.`,
      )
    }
    if (!check.valid) this.failBatch('INVALID_DATA')
    return check
  }
}
