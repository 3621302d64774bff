import {expect} from 'chai'

import {LabmeshError} from '../../src/errors.js'
import {parseSharesFile} from '../../src/sharing/shares-file.js'

const problems = (text: string): string => {
  try {
    parseSharesFile(text, 'shares.yaml')
  } catch (error) {
    expect(error).to.be.instanceOf(LabmeshError)
    expect((error as LabmeshError).code).to.equal('INVALID_INPUT')
    return (error as LabmeshError).message
  }
  throw new Error('expected the file to be refused')
}

describe('shares files', () => {
  it('reads every grant shape and the exclusive principals', () => {
    const file = parseSharesFile(
      `version: 1
principals:
  - principal: bob
    exclusive: true
grants:
  - principal: bob
    table: lab.plate_reader_measurement
    permissions: [SELECT]
    columns: [file_id, absorbance]
    row_filter: "site = 'boston'"
  - principal: arn:aws:iam::123456789012:role/analysts
    table: lab.*
    permissions: [select, describe]
    grantable: true
  - principal: "123456789012"
    database: lab
    permissions: [DESCRIBE]
  - principal: carol
    tags: {domain: assay, site: [cambridge, boston]}
    permissions: [SELECT]
`,
      'shares.yaml',
    )
    expect(file.exclusive).to.deep.equal(['bob'])
    expect(file.grants).to.deep.equal([
      {
        principal: 'bob',
        resource: {kind: 'table', database: 'lab', table: 'plate_reader_measurement'},
        permissions: ['SELECT'],
        grantable: false,
        columns: ['absorbance', 'file_id'],
        rowFilter: "site = 'boston'",
      },
      {
        principal: 'arn:aws:iam::123456789012:role/analysts',
        resource: {kind: 'table', database: 'lab', table: '*'},
        permissions: ['SELECT', 'DESCRIBE'],
        grantable: true,
      },
      {principal: '123456789012', resource: {kind: 'database', database: 'lab'}, permissions: ['DESCRIBE'], grantable: false},
      {
        principal: 'carol',
        resource: {
          kind: 'tags',
          expression: [
            {key: 'domain', values: ['assay']},
            {key: 'site', values: ['boston', 'cambridge']},
          ],
        },
        permissions: ['SELECT'],
        grantable: false,
      },
    ])
  })

  it('reports every problem with its line and column', () => {
    const message = problems(`grants:
  - principal: bob
    table: lab.t
    permissions: [SELEKT]
  - principal: carol
    permissions: [SELECT]
  - principal: dave
    table: lab.t
    permissions: [SELECT]
    colums: [a]
  - principal: erin
    table: lab.t
    permissions: [SELECT, DESCRIBE]
    row_filter: "a = 1"
`)
    expect(message).to.match(/4 problems/)
    expect(message).to.match(/shares\.yaml:4:18: grants\[0\]\.permissions: unknown permission SELEKT/)
    expect(message).to.match(/shares\.yaml:5:5: grants\[1\] needs exactly one of table/)
    expect(message).to.match(/shares\.yaml:10:5: grants\[2\]: unknown key "colums"/)
    expect(message).to.match(/shares\.yaml:11:5: grants\[3\]: .*restrict SELECT only/)
  })

  it('reports YAML syntax errors and a missing grants list by line', () => {
    expect(problems('grants:\n  - principal: bob\n   table: [\n')).to.match(/shares\.yaml:\d+:\d+: /)
    expect(problems('version: 2\n')).to.match(/shares\.yaml:1:10: version must be 1[\s\S]*no "grants" list/)
    expect(problems('grants:\n  - principal: bob\n    principal: carol\n    table: lab.t\n    permissions: [SELECT]\n')).to.match(
      /shares\.yaml:3:5: .*[Mm]ap keys must be unique/,
    )
  })
})
