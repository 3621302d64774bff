import {expect} from 'chai'

import {parsePathTemplate} from '../../src/ingest/path-template.js'

describe('parsePathTemplate', () => {
  const template = parsePathTemplate('{project}/{instrument}/{sample}_{date:YYYY-MM-DD}.csv')

  it('names the fields of a matching path, dates in ISO form', () => {
    expect(template.fields).to.deep.equal(['project', 'instrument', 'sample', 'date'])
    expect(template.match('alpha/envision/S-001_2024-03-05.csv')).to.deep.equal({
      project: 'alpha',
      instrument: 'envision',
      sample: 'S-001',
      date: '2024-03-05',
    })
    expect(template.match('alpha\\envision\\S_1_2024-03-05.csv'), 'Windows separators, underscores in a field').to.deep.equal({
      project: 'alpha',
      instrument: 'envision',
      sample: 'S_1',
      date: '2024-03-05',
    })
  })

  it('does not match other shapes, other extensions or impossible dates', () => {
    expect(template.match('alpha/S-001_2024-03-05.csv')).to.equal(undefined)
    expect(template.match('alpha/envision/S-001_2024-03-05.txt')).to.equal(undefined)
    expect(template.match('alpha/envision/S-001_2024-02-30.csv')).to.equal(undefined)
    expect(template.match('alpha/envision/sub/S-001_2024-03-05.csv')).to.equal(undefined)
  })

  it('reads other date formats and times, and wildcards', () => {
    expect(parsePathTemplate('{run}_{at:YYYYMMDD-HHmmss}.txt').match('r7_20240305-141516.txt')).to.deep.equal({
      run: 'r7',
      at: '2024-03-05T14:15:16Z',
    })
    expect(parsePathTemplate('{day:DD.MM.YY}/*.csv').match('05.03.24/plate 1.csv')).to.deep.equal({day: '2024-03-05'})
    expect(parsePathTemplate('**/{sample}.txt').match('a/b/c/S1.txt')).to.deep.equal({sample: 'S1'})
    expect(parsePathTemplate('**/{sample}.txt').match('S1.txt')).to.deep.equal({sample: 'S1'})
  })

  it('treats regex characters in the literal parts literally', () => {
    const t = parsePathTemplate('{plate}(1)+[x].csv')
    expect(t.match('P1(1)+[x].csv')).to.deep.equal({plate: 'P1'})
    expect(t.match('P111+x.csv')).to.equal(undefined)
  })

  it('reports template errors with their position', () => {
    expect(() => parsePathTemplate('{project/{sample}.csv')).to.throw(/position 1/)
    expect(() => parsePathTemplate('{a}/{a}.csv')).to.throw(/appears twice/)
    expect(() => parsePathTemplate('{d:YYYY-QQ}.csv')).to.throw(/unknown date token/)
    expect(() => parsePathTemplate('x}.csv')).to.throw(/no opening/)
  })
})
