import {writeFile} from 'node:fs/promises'
import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {choiceFlag} from '../../flags/choice.js'
import {stackOptions, templateFlags} from '../../stack/options.js'
import {synthesizeTemplate} from '../../stack/template.js'

export default class StackTemplate extends LabmeshCommand<typeof StackTemplate> {
  static override summary = 'Print the CloudFormation template of the AWS deployment (no CDK CLI or bootstrap needed to deploy it).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> > labmesh.template.json',
    '<%= config.bin %> <%= command.id %> --with-postgres --with-opensearch --format yaml --out labmesh.yaml',
  ]
  static override flags = {
    ...templateFlags,
    format: choiceFlag(['json', 'yaml'])({description: 'Template format.', default: 'json'}),
    out: Flags.string({description: 'Write the template to this file instead of standard output.'}),
  }

  public async run(): Promise<Record<string, unknown>> {
    const template = await synthesizeTemplate(stackOptions(this.flags))
    const text = this.flags.format === 'yaml' ? (await import('yaml')).stringify(template) : JSON.stringify(template, null, 2) + '\n'
    if (this.flags.out) {
      await writeFile(this.flags.out, text)
      if (!this.jsonEnabled()) this.log(`Wrote ${this.flags.out} (${Object.keys(template.Resources as object).length} resources).`)
    } else if (!this.jsonEnabled()) process.stdout.write(text)
    return template
  }
}
