// Mutation testing (StrykerJS) of the modules where a silent bug loses or leaks data. One module
// per run, each with the in-process mocha tests that cover it (command tests run the built CLI,
// which does not see mutants): `npm run mutation -- <module>` (scripts/mutation.mjs).
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const MODULES = {
  // The log replay and the paths it keys files by: where a slip silently keeps or drops rows. One
  // file per module, each with the fast tests that cover it, so a run fits in well under an hour.
  'delta-paths': {mutate: ['src/lake/delta/paths.ts'], spec: ['test/lake/delta/paths.test.ts']},
  'delta-snapshot': {
    mutate: ['src/lake/delta/snapshot.ts'],
    spec: ['snapshot', 'replay'].map((t) => `test/lake/delta/${t}.test.ts`),
  },
  search: {mutate: ['src/search/compile-sqlite.ts'], spec: ['test/search/compile-sqlite.test.ts']},
  // restore.test.ts alone covers every mutant of the two files; the rest of test/files (PostgreSQL,
  // S3, 1200-record paging) made a run take about an hour, this one about 8 minutes.
  restore: {mutate: ['src/files/restore.ts', 'src/search/download.ts'], spec: ['test/files/restore.test.ts']},
  verify: {mutate: ['src/package/verify.ts'], spec: ['test/package/verify.test.ts']},
  // What decides whether a file is stored, and which: the run itself and the folder walk.
  // With the delete race on the local backend: a record refused because a delete removed its bytes.
  ingest: {
    mutate: ['src/ingest/{ingest,walk}.ts'],
    spec: ['test/ingest/ingest.test.ts', 'test/ingest/walk.test.ts', 'test/files/delete-ingest-race.test.ts'],
    grep: '^(?!PostgreSQL and S3)',
  },
  // The query containment, file by file, with the in-process tests of sessions, statements, errors,
  // progress and cancellation. The execution's runs leave out the engine's cancellation test: it runs
  // a query that only an abort stops, a minute for each mutant that breaks the abort
  // (execution.test.ts cancels queries that end by themselves within seconds).
  'query-sql': {mutate: ['src/backends/local/query-sql.ts'], spec: ['test/query/query-sql.test.ts']},
  'query-session': {
    mutate: ['src/backends/local/query-session.ts'],
    spec: ['containment', 'engine', 'session', 'execution'].map((t) => `test/query/${t}.test.ts`),
  },
  'query-execution': {
    mutate: ['src/backends/local/query-execution.ts'],
    spec: ['containment', 'engine', 'execution'].map((t) => `test/query/${t}.test.ts`),
    grep: '^(?!.*cancels a running query)',
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
  mochaOptions: {spec: module.spec, ...(module.grep ? {grep: module.grep} : {})},
  testRunnerNodeArgs: ['--import', 'tsx'],
  // MUTATION_TYPECHECK=off skips the checker: a mutant that does not type-check then runs like
  // the others (tsx strips types) instead of being dropped. On a busy machine the checker costs
  // several seconds a mutant, far more than the unit tests of a module.
  checkers: process.env.MUTATION_TYPECHECK === 'off' ? [] : ['typescript'],
  // Mutants are type-checked against the sources alone: every caller of a mutated file is there,
  // and leaving the tests out keeps each check small on a busy machine.
  tsconfigFile: 'tsconfig.build.json',
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
