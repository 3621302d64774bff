import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {DeltaTable} from '../../../src/lake/delta/table.js'
import {testS3Storage} from '../../support/aws/clients.js'
import {type AwsWorkspace, startAwsWorkspace} from '../../support/aws/workspace.js'
import {type CliResult, TestWorkspace} from '../../support/cli.js'
import {bmgLikePlate} from '../../support/plates.js'
import {query} from '../../lake/delta/support.js'

/** More files than any page (500) or batch (500) of convert: a loop that loses its place shows here. */
const FILES = 1200

interface Counts {
  n: number
  files: number
}

/** A workspace of one backend: the CLI, and what a lab table holds (rows, distinct file ids) where `where` holds. */
interface Lab {
  run(args: string[]): Promise<CliResult>
  path(name: string): string
  count(table: string, where?: string): Promise<Counts>
  stop(): Promise<void>
}

const COUNT = 'count(*)::INTEGER AS n, count(DISTINCT file_id)::INTEGER AS files'

/**
 * Real: the built CLI, DuckDB, the Delta tables and the files; SQLite and the workspace folder
 * locally, or S3 (s3rver) and PostgreSQL for the aws backend. The exports are generated 96-well
 * BMG MARS-like plates, each different.
 */
function convertsEveryFile(name: string, open: () => Promise<Lab>): void {
  describe(`labmesh convert at scale: ${name}`, function () {
    this.timeout(900_000)
    let lab: Lab | undefined
    after(async () => lab?.stop())

    it(`one run converts all ${FILES} files ingested before it, into ${FILES} rows of lab.files`, async () => {
      lab = await open()
      const drop = lab.path('drop')
      for (let n = 0; n < FILES; n++) {
        const folder = path.join(drop, `run-${n % 10}`)
        if (n < 10) mkdirSync(folder, {recursive: true})
        writeFileSync(path.join(folder, `plate-${n}.csv`), bmgLikePlate(n, {rows: 8, columns: 12}))
      }
      const ingested = await lab.run(['ingest', drop, '--json'])
      expect(ingested.code, ingested.stderr).to.equal(0)
      expect(ingested.json.ingested).to.equal(FILES)

      const listed = await lab.run(['files', 'list', '--status', 'ingested', '--all', '--json'])
      expect(listed.json.files, 'files list --all is not cut at --limit').to.have.length(FILES)

      const converted = await lab.run(['convert', '--json'])
      expect(converted.code, converted.stderr).to.equal(0)
      expect(converted.json.converted).to.equal(FILES)
      expect(converted.json.failed).to.deep.equal([])

      const left = await lab.run(['files', 'list', '--status', 'ingested', '--category', 'RAW', '--json'])
      expect(left.json.files).to.deep.equal([])
      expect(await lab.count('files', "WHERE category = 'RAW'")).to.deep.equal({n: FILES, files: FILES})
      expect(await lab.count('plate_reader_measurement')).to.deep.equal({n: FILES * 96, files: FILES})
    })
  })
}

convertsEveryFile('local', async () => {
  const ws = new TestWorkspace()
  return {
    run: (args) => ws.run(args),
    path: (name) => ws.path(name),
    async count(table, where = '') {
      const counted = await ws.run(['query', `SELECT ${COUNT} FROM lab.${table} ${where}`, '--json'])
      expect(counted.code, counted.stderr).to.equal(0)
      return counted.json.rows[0] as Counts
    },
    stop: async () => ws.remove(),
  }
})

convertsEveryFile('aws (S3 and PostgreSQL)', async () => {
  const aws: AwsWorkspace = await startAwsWorkspace()
  return {
    run: aws.run,
    path: (name) => aws.ws.path(name),
    async count(table, where = '') {
      // Athena is not reachable here: the table is read from its Delta log on S3 by DuckDB.
      const {storage, remove} = await testS3Storage(aws.s3, `s3://${aws.s3.bucket}/team/lake/lab/${table}`)
      try {
        const [counts] = await query(`SELECT ${COUNT} FROM (${await new DeltaTable(storage).scanSql()}) ${where}`)
        return counts as unknown as Counts
      } finally {
        await remove()
      }
    },
    stop: () => aws.stop(),
  }
})
