import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../base-command.js'
import {resolveProfile, type ResolvedProfile} from '../config/profiles.js'
import {type ErrorCode, LabmeshError} from '../errors.js'
import {type DrainResult, drainSpool} from '../spool/drain.js'
import {Spool} from '../spool/spool.js'

export default class Push extends LabmeshCommand<typeof Push> {
  static override summary = 'Send the files of a spool folder up: those a watcher kept while the service was out of reach.'
  static override description = `Drains a spool folder of \`labmesh watch\` (the folder a watcher on an aws profile fills while S3 or
PostgreSQL cannot be reached), e.g. one carried on a disk from an instrument PC that stays offline. Each file is ingested,
oldest first, with the source path, host, template, labels and metadata recorded when it was spooled, and removed from the
spool once its record is written. Running it again, also after an interruption, stores nothing twice. Files that fail for a
reason of their own are set aside in rejected/, as are copies whose bytes no longer match the hash they were spooled with.
One process at a time uses a spool: while a watcher (or another push) holds it, push is refused (CONFLICT).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --from /media/usb/labmesh-spool --to prod',
    '<%= config.bin %> <%= command.id %> --from ~/.local/share/labmesh/spool/prod --json',
  ]
  static override flags = {
    from: Flags.directory({description: 'The spool folder to send up.', required: true}),
    to: Flags.string({description: 'The profile to send the files to (default: --profile).'}),
  }

  protected override profile(): ResolvedProfile {
    return resolveProfile(this.flags.to ?? this.flags.profile)
  }

  public async run(): Promise<DrainResult & {from: string}> {
    const spool = await Spool.open(this.flags.from, {existing: true})
    let result: DrainResult
    try {
      result = await drainSpool(await this.backend(), spool, {
        registry: await this.converters(),
        onRejected: (manifest, error) => this.warn(`${manifest.sourcePath}: [${error.code}] ${error.message}; set aside in rejected/`),
      })
    } finally {
      await spool.close()
    }
    if (result.uploaded + result.unchanged > 0) {
      await this.syncReplicas()
      await this.deliverWebhooks()
    }
    if (result.stoppedBy) {
      throw new LabmeshError(result.stoppedBy.code as ErrorCode, `${result.stoppedBy.message}; ${result.left} file(s) left in the spool`, {
        subject: this.flags.from,
        suggestions: [`${result.uploaded} sent; run \`labmesh push --from ${this.flags.from}\` again once the service is back`],
      })
    }
    if (!this.jsonEnabled()) {
      this.log(
        `${result.uploaded} file(s) sent, ${result.unchanged} already there, ${result.rejected} set aside; ${result.left} left in ${spool.dir}`,
      )
    }
    return {from: spool.dir, ...result}
  }
}
