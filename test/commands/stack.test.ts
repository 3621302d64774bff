import {readFileSync} from 'node:fs'
import {expect} from 'chai'
import {parse} from 'yaml'

import {TestWorkspace} from '../support/cli.js'

// The built CLI, synthesizing in process: no AWS call is made by `stack template`.
describe('labmesh stack template', function () {
  this.timeout(120_000)
  const ws = new TestWorkspace()
  after(() => ws.remove())

  it('prints the JSON template on stdout, and writes YAML with --out', async () => {
    const json = await ws.run(['stack', 'template', '--stack-name', 'lab'])
    expect(json.code, json.stderr).to.equal(0)
    const template = JSON.parse(json.stdout)
    expect(template.Resources).to.be.an('object')
    expect(template.Outputs.BucketName).to.have.property('Value')
    const out = ws.path('lab.yaml')
    const yaml = await ws.run(['stack', 'template', '--stack-name', 'lab', '--with-postgres', '--format', 'yaml', '--out', out])
    expect(yaml.code, yaml.stderr).to.equal(0)
    const parsed = parse(readFileSync(out, 'utf8'))
    expect(Object.values<any>(parsed.Resources).filter((r) => r.Type === 'AWS::RDS::DBInstance')).to.have.length(1)
    expect(yaml.stdout).to.match(/Wrote .*lab\.yaml \(\d+ resources\)/)
  })
})
