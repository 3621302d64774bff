import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Completions} from '../../completion/sources.js'
import type {EngineeredDocument} from '../../converters/types.js'
import {readInputFile} from '../../files/contained.js'
import {SafeOutput} from '../../output/safe-output.js'

/** Converters hold a file in memory; beyond this it is no instrument export. */
const MAX_FILE_BYTES = 1024 * 1024 * 1024

export interface ConvertedDocument {
  file: string
  converter: {name: string; version: string; technique: string}
  document: EngineeredDocument
}

export default class ConvertFile extends LabmeshCommand<typeof ConvertFile> {
  static override completions: Completions = {path: 'files', converter: 'converters', 'converter-module': 'files', out: 'files'}
  static override summary = 'Print the engineered document of one file, without touching a workspace.'
  static override description = 'The way to try a converter: detection picks one from the content unless --converter names it.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> ./plate.csv',
    '<%= config.bin %> <%= command.id %> ./plate.csv --converter generic --out plate.json',
    '<%= config.bin %> <%= command.id %> ./export.txt --converter-module ./my-converter.js',
  ]
  static override args = {
    path: Args.string({description: 'The raw file.', required: true}),
  }
  static override flags = {
    converter: Flags.string({char: 'c', description: 'Use this converter instead of detecting one (see `labmesh convert list`).'}),
    'converter-module': Flags.string({description: 'Load converters from this JS module too (repeatable).', multiple: true}),
    out: Flags.string({char: 'o', description: 'Write the document to this new file instead of stdout (never inside the workspace).'}),
    force: Flags.boolean({description: 'Replace the file at --out if there is one (a regular file only).', dependsOn: ['out']}),
  }

  public async run(): Promise<ConvertedDocument> {
    const registry = await this.converters(this.flags['converter-module'])
    const bytes = await readInputFile(this.args.path, MAX_FILE_BYTES)
    const {converter, document} = await registry.convert({name: path.basename(this.args.path), bytes}, this.flags.converter)
    const result = {
      file: path.resolve(this.args.path),
      converter: {name: converter.name, version: converter.version, technique: converter.technique},
      document,
    }
    if (this.flags.out) {
      // No backend is opened: the workspace folder is kept out of reach by its path.
      const {home} = this.profile()
      const output = await SafeOutput.outside(home ? [{path: home, what: 'the workspace'}] : [], {force: this.flags.force})
      await output.writeFile(this.flags.out, (temp) => writeFile(temp, JSON.stringify(document, null, 2) + '\n', {flag: 'wx'}))
    }
    if (!this.jsonEnabled()) {
      if (this.flags.out) this.log(`Wrote ${this.flags.out} (converter ${converter.name} ${converter.version}).`)
      else this.log(JSON.stringify(document, null, 2))
    }
    return result
  }
}
