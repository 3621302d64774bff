import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {type DeleteFilesResult, deleteStoredFiles} from '../../files/delete.js'
import {wideFlag} from '../../flags/wide.js'
import {listedId, listedSize} from '../../output/format.js'
import {renderListed} from '../../output/listed.js'
import {renderTable} from '../../output/table.js'

export default class FilesDelete extends LabmeshCommand<typeof FilesDelete> {
  static override summary = 'Delete raw files with their engineered documents, table rows, search entries and unused bytes.'
  static override description = `Rows go from every table labmesh manages; bytes are removed when no other record uses them (identical content is stored once). Tables registered from elsewhere are never changed: when they hold rows of a file, the delete is refused unless --force. Each delete is recorded in the audit log (labmesh audit list) and sends a file.deleted event per raw file to webhooks and to the /v1/events stream of labmesh serve. On the aws backend this needs the admin policy (s3:DeleteObject). --dry-run shows what would go.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 3f2a9c1e --dry-run',
    '<%= config.bin %> <%= command.id %> 3f2a9c1e 9b1c44d0 --json',
    '<%= config.bin %> <%= command.id %> 3f2a9c1e --all-versions',
  ]
  static override args = {
    fileId: Args.string({
      description: 'Raw file ids (or unique prefixes of at least 4 characters), one or more.',
      required: true,
      multiple: true,
    }),
  }
  static override flags = {
    'all-versions': Flags.boolean({description: "Delete every version of each file's source, not only the one named."}),
    'dry-run': Flags.boolean({description: 'Show what would be deleted; delete nothing.'}),
    force: Flags.boolean({description: 'Delete even when tables registered from elsewhere hold rows of the files (those rows stay).'}),
    ...wideFlag,
  }

  public async run(): Promise<DeleteFilesResult> {
    const backend = await this.backend()
    const result = await deleteStoredFiles(backend, {
      ids: this.args.fileId,
      allVersions: this.flags['all-versions'],
      dryRun: this.flags['dry-run'],
      force: this.flags.force,
    })
    if (!result.dryRun) {
      await this.syncReplicas()
      await this.deliverWebhooks()
    }
    const layout = this.layout
    const files = renderListed(
      {
        head: ['file', 'category', 'v', 'size', 'source'],
        rows: result.files.map((f) => [listedId(f.fileId, layout), f.category, f.version, listedSize(f.size, layout), f.sourcePath]),
        noun: 'files',
      },
      layout,
    )
    const rows = result.tables.reduce((sum, t) => sum + t.rows, 0)
    const verb = result.dryRun ? 'Would delete' : 'Deleted'
    this.print({
      body: [
        files.body,
        ...(result.tables.length > 0
          ? [
              renderTable(
                ['table', 'rows'],
                result.tables.map((t) => [t.table, t.rows]),
                layout,
              ),
            ]
          : []),
      ],
      notes: [
        ...files.notes,
        `${verb} ${result.files.length} file${result.files.length === 1 ? '' : 's'} and ${rows} row${rows === 1 ? '' : 's'} in ${result.tables.length} table${result.tables.length === 1 ? '' : 's'}${result.dryRun ? '' : `; removed ${result.objectsRemoved} stored object${result.objectsRemoved === 1 ? '' : 's'} no other file uses`}.`,
        ...result.kept.map(
          (t) => `${t.table} (registered from elsewhere) keeps its ${t.rows} row${t.rows === 1 ? '' : 's'} of these files.`,
        ),
        ...(result.dryRun && result.kept.length > 0 && !this.flags.force
          ? ['Without --force the delete would be refused, to keep those tables whole.']
          : []),
        ...(result.dryRun ? ['Dry run: nothing was deleted.'] : []),
      ],
    })
    return result
  }
}
