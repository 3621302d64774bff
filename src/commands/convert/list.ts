import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {wideFlag} from '../../flags/wide.js'
import type {Completions} from '../../completion/sources.js'
import {renderTable} from '../../output/table.js'

export interface ConverterSummary {
  name: string
  version: string
  technique: string
  description: string
}

export default class ConvertList extends LabmeshCommand<typeof ConvertList> {
  static override completions: Completions = {'converter-module': 'files'}
  static override summary = 'List the converters: built-in, from the profile, and from --converter-module.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --converter-module ./my-converter.js --json',
  ]
  static override flags = {
    'converter-module': Flags.string({description: 'Load converters from this JS module too (repeatable).', multiple: true}),
    ...wideFlag,
  }

  public async run(): Promise<{converters: ConverterSummary[]}> {
    const registry = await this.converters(this.flags['converter-module'])
    const converters = registry.list().map(({name, version, technique, description}) => ({name, version, technique, description}))
    if (!this.jsonEnabled())
      this.log(
        renderTable(
          ['converter', 'version', 'technique', 'description'],
          converters.map((c) => [c.name, c.version, c.technique, c.description]),
          this.layout,
        ),
      )
    return {converters}
  }
}
