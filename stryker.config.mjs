// Mutation testing (StrykerJS) of the modules where a silent bug loses or leaks data. One module
// per run, each with the in-process mocha tests that cover it (command tests run the built CLI,
// which does not see mutants): `npm run mutation -- <module>` (scripts/mutation.mjs).
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const MODULES = {
  // The log replay and the paths it keys files by: where a slip silently keeps or drops rows.
  delta: {
    mutate: ['src/lake/delta/{snapshot,paths}.ts'],
    spec: ['replay', 'write', 'scan', 'checkpoint', 'maintenance', 'testdata'].map((t) => `test/lake/delta/${t}.test.ts`),
  },
  search: {mutate: ['src/search/compile-sqlite.ts'], spec: ['test/search/compile-sqlite.test.ts']},
  restore: {mutate: ['src/files/restore.ts', 'src/search/download.ts'], spec: ['test/files/*.test.ts']},
  verify: {mutate: ['src/package/verify.ts'], spec: ['test/package/verify.test.ts']},
  // What decides whether a file is stored, and which: the run itself and the folder walk.
  ingest: {mutate: ['src/ingest/{ingest,walk}.ts'], spec: ['test/ingest/ingest.test.ts', 'test/ingest/walk.test.ts']},
  query: {
    mutate: ['src/backends/local/query-{execution,session,sql}.ts'],
    // engine.test.ts is left out: its cancellation test runs a query that only an abort stops, a minute per mutant there.
    spec: ['test/query/containment.test.ts', 'test/query/query-sql.test.ts'],
  },
}

const name = process.env.MUTATION_MODULE ?? 'verify'
const module = MODULES[name]
if (!module) throw new Error(`unknown mutation module "${name}"; one of ${Object.keys(MODULES).join(', ')}`)

// The sandbox is a copy of the project elsewhere: tests find the shared test data through this.
process.env.LABMESH_TESTDATA ??= path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../shared/testdata')

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: module.mutate,
  testRunner: 'mocha',
  mochaOptions: {spec: module.spec},
  testRunnerNodeArgs: ['--import', 'tsx'],
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  coverageAnalysis: 'perTest',
  // Two shared cores: more processes only wait on each other.
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 60_000,
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: {fileName: `reports/mutation/${name}.json`},
  thresholds: {high: 90, low: 80, break: null},
  ignorePatterns: ['dist', 'reports', '.stryker-tmp', 'bench/.work', '.labmesh-demo'],
  tempDirName: `.stryker-tmp/${name}`,
  cleanTempDir: true,
}
