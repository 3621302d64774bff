/**
 * Benchmark dispatcher: `npm run bench -- <name>` runs bench/<name>.ts, whose default export
 * is the benchmark. A new stage's benchmark is one line in STAGES.
 */
const STAGES: Record<string, () => Promise<{default: () => Promise<void>}>> = {
  convert: () => import('./convert.js'),
  lake: () => import('./lake.js'),
  query: () => import('./query.js'),
  search: () => import('./search.js'),
  ingest: () => import('./ingest.js'),
  'ingest-s3': () => import('./ingest-s3.js'),
  watch: () => import('./watch.js'),
  serve: () => import('./serve.js'),
}

const name = process.argv[2]
const stage = name === undefined ? undefined : STAGES[name]
if (!stage) {
  console.error(
    `${name === undefined ? 'name a benchmark' : `unknown benchmark "${name}"`}: npm run bench -- <${Object.keys(STAGES).join('|')}>`,
  )
  process.exitCode = 2
} else {
  await (await stage()).default()
}
