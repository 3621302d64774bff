#!/usr/bin/env node
// `labmesh --version` answers without loading oclif, which costs more than Node's own start.
const args = process.argv.slice(2)
if (args.length === 1 && args[0] === '--version') {
  const {readFileSync} = await import('node:fs')
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  // oclif's own form, so scripts that read it see no difference.
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // Ingest fsyncs many small files at once: more libuv threads let those waits overlap.
  // It must be set before the thread pool starts, hence the dynamic import below.
  process.env.UV_THREADPOOL_SIZE ??= '64'

  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
  // DuckDB's native teardown adds seconds at exit; once output is flushed there is nothing left to do.
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))))
  process.exit()
}
