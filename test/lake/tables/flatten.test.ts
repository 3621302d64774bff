import {expect} from 'chai'

import {LabmeshError} from '../../../src/errors.js'
import {flattenDocument, MAX_TABLE_COLUMNS} from '../../../src/lake/tables/flatten.js'
import {memberName, snakeCase, techniqueTable} from '../../../src/lake/tables/names.js'

const DOCUMENT = {
  '$asm.manifest': 'http://purl.allotrope.org/manifests/plate-reader/REC/2024/06/plate-reader.manifest',
  'plate reader aggregate document': {
    'device system document': {'model number': 'M1000', 'serial number': 'S-9'},
    'plate reader document': [
      {
        'measurement aggregate document': {
          'plate well count': {value: 96, unit: '#'},
          'measurement document': [
            {
              'sample document': {'sample identifier': 'S-001', 'location identifier': 'A1'},
              absorbance: {value: 0.5, unit: 'mAU'},
              'wavelengths (nm)': [450, 600],
            },
            {
              'sample document': {'sample identifier': 'S-002', 'location identifier': 'A2'},
              absorbance: {value: 0.25, unit: 'mAU'},
              flagged: true,
              note: null,
            },
          ],
        },
      },
    ],
  },
}

describe('flattenDocument', () => {
  const tables = flattenDocument(DOCUMENT, {
    technique: 'plate reader',
    fileId: 'file-1',
    traceId: 'trace-1',
    rootColumns: {engineered_file_id: 'doc-1'},
  })

  it('makes the root one row of <technique>, with nested objects folded into prefixed columns', () => {
    expect([...tables.keys()]).to.deep.equal(['plate_reader', 'plate_reader_document', 'plate_reader_measurement'])
    const [root] = tables.get('plate_reader')!
    expect(root).to.include({
      asm_manifest: DOCUMENT['$asm.manifest'],
      device_system_model_number: 'M1000',
      device_system_serial_number: 'S-9',
      file_id: 'file-1',
      trace_id: 'trace-1',
      engineered_file_id: 'doc-1',
      parent_uuid: null,
    })
  })

  it('turns arrays of objects into child tables linked by parent_uuid, quantities into value and unit columns', () => {
    const [root] = tables.get('plate_reader')!
    const [document] = tables.get('plate_reader_document')!
    expect(document.parent_uuid).to.equal(root.uuid)
    expect(document).to.include({measurement_plate_well_count: 96, measurement_plate_well_count_unit: '#'})
    const measurements = tables.get('plate_reader_measurement')!
    expect(measurements.map((m) => m.parent_uuid)).to.deep.equal([document.uuid, document.uuid])
    expect(measurements[0]).to.include({
      sample_identifier: 'S-001',
      sample_location_identifier: 'A1',
      absorbance: 0.5,
      absorbance_unit: 'mAU',
      wavelengths_nm: '[450,600]',
    })
    expect(measurements[1]).to.include({flagged: true, file_id: 'file-1', trace_id: 'trace-1'})
    expect(measurements[1]).to.not.have.property('note')
  })

  it('is deterministic: the same file gives the same row ids, another file other ids', () => {
    const again = flattenDocument(DOCUMENT, {technique: 'plate reader', fileId: 'file-1', traceId: 'trace-1'})
    const other = flattenDocument(DOCUMENT, {technique: 'plate reader', fileId: 'file-2', traceId: 'trace-2'})
    const ids = (t: typeof tables) => t.get('plate_reader_measurement')!.map((r) => r.uuid)
    expect(ids(again)).to.deep.equal(ids(tables))
    expect(ids(other)).to.not.deep.equal(ids(tables))
    expect(new Set(ids(tables)).size).to.equal(2)
  })

  it('keeps both of two members whose names collide after snake_case', () => {
    const [row] = flattenDocument({'A260/A280': 2.1, 'A260 A280': 2.2}, {technique: 'spectrophotometry', fileId: 'f', traceId: 't'}).get(
      'spectrophotometry',
    )!
    expect(row).to.include({a260_a280: 2.1, a260_a280_2: 2.2})
  })

  it('refuses a document that makes a table too wide, or holds too many values, as soon as it goes over', () => {
    const context = {technique: 'plate reader', fileId: 'f', traceId: 't'}
    const wide = {'custom information document': [Object.fromEntries(Array.from({length: MAX_TABLE_COLUMNS}, (_, i) => [`c${i}`, i]))]}
    const tooWide = (() => {
      try {
        flattenDocument(wide, context)
      } catch (error) {
        return error as LabmeshError
      }
    })()
    expect(tooWide?.code).to.equal('INVALID_DATA')
    expect(tooWide?.message).to.include(`plate_reader_custom_information wider than ${MAX_TABLE_COLUMNS} columns`)

    const tall = {'measurement document': Array.from({length: 100}, (_, i) => ({well: `A${i}`, value: i}))}
    expect(flattenDocument(tall, {...context, limits: {cells: 1000}}).get('plate_reader_measurement')).to.have.length(100)
    expect(() => flattenDocument(tall, {...context, limits: {cells: 500}}))
      .to.throw(LabmeshError, 'more than 500 values')
      .with.property('code', 'INVALID_DATA')
  })
})

describe('table and column names', () => {
  it('are snake_case ASCII that Athena and Spark accept', () => {
    expect(snakeCase('Viability (%)')).to.equal('viability_percent')
    expect(snakeCase('Average diameter (µm)')).to.equal('average_diameter_um')
    expect(snakeCase('260/280')).to.equal('_260_280')
    expect(snakeCase('cellCount')).to.equal('cell_count')
    expect(memberName('measurement aggregate document')).to.equal('measurement')
    expect(memberName('sample document')).to.equal('sample')
    expect(techniqueTable('qPCR')).to.equal('qpcr')
    expect(techniqueTable('cell counting')).to.equal('cell_counting')
  })
})
