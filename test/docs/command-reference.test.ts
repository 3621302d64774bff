import {readFileSync} from 'node:fs'
import {expect} from 'chai'

import {commandReference, REFERENCE} from '../../scripts/command-reference.js'

// Real: the built commands' manifest and oclif's own help renderer.
describe('docs/commands.md', () => {
  it('is what `npm run docs` makes from the commands now (run it after changing a command)', async () => {
    const expected = await commandReference()
    const committed = readFileSync(REFERENCE, 'utf8')
    if (committed !== expected) {
      const lines = committed.split('\n')
      const first = expected.split('\n').findIndex((line, i) => line !== lines[i])
      expect.fail(`docs/commands.md is out of date from line ${first + 1}: run \`npm run docs\` and commit it`)
    }
  })

  it('names every command with its examples', async () => {
    const reference = await commandReference()
    expect(reference).to.contain('## labmesh query\n').and.to.contain('## labmesh catalog describe\n')
    expect(reference).to.contain('$ labmesh version --json')
  })
})
