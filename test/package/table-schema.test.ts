import {expect} from 'chai'

import {fieldFor, tableSchemaFor} from '../../src/package/table-schema.js'

describe('Table Schema from SQL types', () => {
  it('maps DuckDB and Athena types to Table Schema types', () => {
    const cases: [string, string, string?][] = [
      ['BIGINT', 'integer'],
      ['INTEGER', 'integer'],
      ['HUGEINT', 'integer'],
      ['UBIGINT', 'integer'],
      ['bigint', 'integer'],
      ['DOUBLE', 'number'],
      ['FLOAT', 'number'],
      ['DECIMAL(21,1)', 'number'],
      ['decimal(10,2)', 'number'],
      ['real', 'number'],
      ['BOOLEAN', 'boolean'],
      ['VARCHAR', 'string'],
      ['varchar(20)', 'string'],
      ["ENUM('a', 'b')", 'string'],
      ['DATE', 'date'],
      ['TIME', 'time'],
      ['TIME WITH TIME ZONE', 'time'],
      ['TIMESTAMP', 'datetime'],
      ['TIMESTAMP WITH TIME ZONE', 'datetime'],
      ['timestamp(3) with time zone', 'datetime'],
      ['TIMESTAMP_NS', 'datetime'],
      ['BIGINT[]', 'array'],
      ['VARCHAR[3]', 'array'],
      ['array(varchar)', 'array'],
      ['STRUCT(a INTEGER, b VARCHAR[])', 'object'],
      ['MAP(VARCHAR, VARCHAR)', 'object'],
      ['map(varchar,varchar)', 'object'],
      ['row(a bigint)', 'object'],
      ['JSON', 'object'],
      ['BLOB', 'string', 'binary'],
      ['varbinary', 'string', 'binary'],
      ['UUID', 'string', 'uuid'],
      ['INTERVAL', 'any'],
    ]
    for (const [sqlType, type, format] of cases) {
      expect(fieldFor({name: 'c', type: sqlType}), sqlType).to.deep.equal({name: 'c', type, ...(format ? {format} : {})})
    }
  })

  it('names the v2 profile and treats empty cells as missing', () => {
    expect(tableSchemaFor([{name: 'a', type: 'BIGINT'}])).to.deep.equal({
      $schema: 'https://datapackage.org/profiles/2.0/tableschema.json',
      fields: [{name: 'a', type: 'integer'}],
      missingValues: [''],
    })
  })
})
