import {expect} from 'chai'

import {closestCommand} from '../../src/cli/suggest.js'

const COMMANDS = ['query', 'convert', 'convert:file', 'convert:list', 'catalog:list', 'catalog:describe', 'search', 'search:run', 'init']
const TOPICS = ['catalog', 'convert', 'search']

describe('closestCommand', () => {
  it('finds a command one edit away and hands the other typed words over as its arguments', () => {
    expect(closestCommand('quer:select 1', COMMANDS, TOPICS)).to.deep.equal({id: 'query', kind: 'command', rest: ['select 1']})
    expect(closestCommand('qurey', COMMANDS, TOPICS)).to.deep.equal({id: 'query', kind: 'command', rest: []})
  })

  it('compares a two-word command with two typed words, and prefers it to its topic', () => {
    expect(closestCommand('catalg:list', COMMANDS, TOPICS)).to.deep.equal({id: 'catalog:list', kind: 'command', rest: []})
    expect(closestCommand('catalog:lst', COMMANDS, TOPICS)).to.deep.equal({id: 'catalog:list', kind: 'command', rest: []})
    expect(closestCommand('catalg:descibe:lab.files', COMMANDS, TOPICS)).to.deep.equal({
      id: 'catalog:describe',
      kind: 'command',
      rest: ['lab.files'],
    })
  })

  it('suggests a topic alone when only the topic was typed, and a command that is also a topic as the command', () => {
    expect(closestCommand('catalg', COMMANDS, TOPICS)).to.deep.equal({id: 'catalog', kind: 'topic', rest: []})
    expect(closestCommand('convrt', COMMANDS, TOPICS)).to.deep.equal({id: 'convert', kind: 'command', rest: []})
  })

  it('ignores case and suggests nothing for words far from every name', () => {
    expect(closestCommand('QUERY', COMMANDS, TOPICS)?.id).to.equal('query')
    expect(closestCommand('xyzzy', COMMANDS, TOPICS)).to.equal(undefined)
    expect(closestCommand('deploy', COMMANDS, TOPICS)).to.equal(undefined)
  })
})
