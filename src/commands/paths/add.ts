import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {MonitoredPath} from '../../backends/types.js'
import {durationFlag} from '../../flags/duration.js'
import {parseKeyValues, toRecord} from '../../ingest/key-value.js'
import {monitoredPathsOf, newMonitoredPath} from '../../watch/monitored-paths.js'
import {renderPath} from '../../watch/render.js'

export default class PathsAdd extends LabmeshCommand<typeof PathsAdd> {
  static override summary = 'Monitor a folder: `labmesh watch` then ingests every new or changed file in it.'
  static override description = `The folder's settings are kept in the profile's backend (the workspace database, or PostgreSQL on AWS),
for the machine this runs on. A file is ingested once its size and modification time have not changed for --stable-seconds
and no process holds it open for writing, with the path template, labels and metadata given here.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> /data/envision --template "{project}/{sample}_{date:YYYY-MM-DD}.csv" --label site=boston --convert',
    '<%= config.bin %> <%= command.id %> //share/qpcr --name qpcr --include "**/*.xlsx" --stable-seconds 60 --archive-to /archive/qpcr --archive-after 7d',
  ]
  static override args = {
    dir: Args.string({description: 'The folder to monitor.', required: true}),
  }
  static override flags = {
    name: Flags.string({description: 'Name of the monitored path (default: the folder name).'}),
    template: Flags.string({char: 't', description: 'Path template naming metadata in paths relative to the folder.'}),
    include: Flags.string({description: 'Only files whose relative path matches this glob (repeatable).', multiple: true}),
    exclude: Flags.string({description: 'Skip files whose relative path matches this glob (repeatable).', multiple: true}),
    label: Flags.string({char: 'l', description: 'Label name=value for every file (repeatable).', multiple: true}),
    metadata: Flags.string({char: 'm', description: 'Metadata key=value for every file (repeatable).', multiple: true}),
    'stable-seconds': Flags.integer({description: 'Seconds a file must stay unchanged before it is ingested.', default: 10, min: 0}),
    since: Flags.string({description: 'Leave alone files last modified before this date.'}),
    convert: Flags.boolean({description: 'Convert each file once ingested (engineered document, lake rows, search).'}),
    'archive-to': Flags.string({description: 'Move ingested files into this folder (keeping their relative path)...'}),
    'archive-after': durationFlag({description: '...this long after they were ingested (default 7d).'}),
  }

  public async run(): Promise<MonitoredPath> {
    const settings = newMonitoredPath({
      dir: this.args.dir,
      name: this.flags.name,
      template: this.flags.template,
      include: this.flags.include,
      exclude: this.flags.exclude,
      labels: parseKeyValues(this.flags.label, 'label'),
      metadata: toRecord(parseKeyValues(this.flags.metadata, 'metadata')),
      stableSeconds: this.flags['stable-seconds'],
      since: this.flags.since,
      convert: this.flags.convert,
      archiveTo: this.flags['archive-to'],
      archiveAfterMs: this.flags['archive-after'],
    })
    const added = await monitoredPathsOf(await this.backend()).add(settings)
    if (!this.jsonEnabled()) this.log(`${renderPath(added)}\nWatch it with \`labmesh watch\`.`)
    return added
  }
}
