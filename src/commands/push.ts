import {Flags} from '@oclif/core'

import {openBackend} from '../backends/open.js'
import {LabmeshCommand} from '../base-command.js'
import {resolveProfile, type ResolvedProfile} from '../config/profiles.js'
import {type ErrorCode, LabmeshError} from '../errors.js'
import {sinceFlag} from '../flags/time.js'
import {createProgress} from '../output/progress.js'
import {pushSource} from '../push/source.js'
import {pushWorkspace, type WorkspacePushResult, workspaceTotals} from '../push/workspace.js'
import {type DrainResult, drainSpool} from '../spool/drain.js'
import {Spool} from '../spool/spool.js'

export type PushResult = ({source: 'spool'} & DrainResult & {from: string}) | ({source: 'workspace'} & WorkspacePushResult & {from: string})

export default class Push extends LabmeshCommand<typeof Push> {
  static override summary =
    'Send files up to an aws profile: a local workspace, or the spool folder a watcher kept while the service was out of reach.'
  static override description = `--from names a local profile or a spool folder (a profile of that name wins).

A local profile: every raw file of its workspace (each version, oldest first; --since: only those ingested since then) is
sent to --to with its record as it is there: id, source path and host, times, metadata and labels. Raw files only: the
target converts them itself (\`labmesh convert --profile <to>\`), so its documents and tables follow its own converters.
Nothing goes twice: a file the target holds already (its id, or the same content as its source's latest version there)
is unchanged, and only labels added locally since are sent; bytes the target's store holds already are not uploaded.

A spool folder of \`labmesh watch\` (the folder a watcher on an aws profile fills while S3 or PostgreSQL cannot be
reached), e.g. one carried on a disk from an instrument PC that stays offline: each file is ingested, oldest first, with
the source path, host, template, labels and metadata recorded when it was spooled, and removed from the spool once its
record is written. Files that fail for a reason of their own are set aside in rejected/, as are copies whose bytes no
longer match the hash they were spooled with. One process at a time uses a spool: while a watcher (or another push)
holds it, push is refused (CONFLICT).

Either way a file that fails is named and the others go on; a service failure stops the push, and running it again
(also after an interruption) sends only what is not there yet.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --from local --to prod',
    '<%= config.bin %> <%= command.id %> --from local --to prod --since 7d --json',
    '<%= config.bin %> <%= command.id %> --from /media/usb/labmesh-spool --to prod',
  ]
  static override flags = {
    from: Flags.string({description: 'A local profile whose workspace to send, or a spool folder.', required: true}),
    to: Flags.string({description: 'The profile to send the files to (default: --profile).'}),
    since: sinceFlag({description: 'From a local profile: only files ingested at or after this time: 2026-11-30, or 7d ago.'}),
  }

  protected override profile(): ResolvedProfile {
    return resolveProfile(this.flags.to ?? this.flags.profile)
  }

  public async run(): Promise<PushResult> {
    const source = pushSource(this.flags.from, this.profile())
    if (source.kind === 'spool' && this.flags.since) throw new LabmeshError('USAGE', '--since applies to a push from a local profile')
    const result = source.kind === 'spool' ? await this.drain(source.dir) : await this.pushWorkspace(source.profile)
    const stored = 'uploaded' in result ? result.uploaded + result.unchanged : result.sent + result.relabelled
    if (stored > 0) {
      await this.syncReplicas()
      await this.deliverWebhooks()
    }
    if (result.stoppedBy) {
      const left = 'left' in result ? `; ${result.left} file(s) left in the spool` : ''
      const sent = 'uploaded' in result ? result.uploaded : result.sent
      throw new LabmeshError(result.stoppedBy.code as ErrorCode, `${result.stoppedBy.message}${left}`, {
        subject: this.flags.from,
        suggestions: [`${sent} sent; run \`labmesh push --from ${this.flags.from}\` again once the service is back`],
      })
    }
    if ('failed' in result && result.failed.length > 0) this.failBatch()
    return result
  }

  private async drain(dir: string): Promise<PushResult> {
    const spool = await Spool.open(dir, {existing: true})
    let result: DrainResult
    try {
      result = await drainSpool(await this.backend(), spool, {
        registry: await this.converters(),
        onRejected: (manifest, error) => this.warn(`${manifest.sourcePath}: [${error.code}] ${error.message}; set aside in rejected/`),
      })
    } finally {
      await spool.close()
    }
    if (!this.jsonEnabled() && !result.stoppedBy) {
      this.log(
        `${result.uploaded} file(s) sent, ${result.unchanged} already there, ${result.rejected} set aside; ${result.left} left in ${spool.dir}`,
      )
    }
    return {source: 'spool', from: spool.dir, ...result}
  }

  private async pushWorkspace(profile: ResolvedProfile): Promise<PushResult> {
    const local = await openBackend(profile)
    const since = this.flags.since?.toISOString()
    const progress = createProgress(this.interactive, 'push')
    let result: WorkspacePushResult
    try {
      if (this.interactive) {
        const totals = await workspaceTotals(local, since)
        progress.setTotal(totals.files, totals.bytes)
      }
      result = await pushWorkspace(local, await this.backend(), {
        since,
        onFile: (file, outcome) => {
          progress.advance(1, file.size)
          if (outcome.status === 'failed')
            this.warn(`${file.sourcePath} (file ${file.fileId}): [${outcome.error.code}] ${outcome.error.message}`)
        },
      })
    } finally {
      progress.stop()
      await local.close()
    }
    if (!this.jsonEnabled() && !result.stoppedBy) {
      const relabelled = result.relabelled > 0 ? ` (${result.relabelled} given new labels)` : ''
      this.log(`${result.sent} file(s) sent, ${result.unchanged} already there${relabelled}, ${result.failed.length} failed`)
    }
    return {source: 'workspace', from: profile.name, ...result}
  }
}
