#!/usr/bin/env node
// Ingest fsyncs many small files at once: more libuv threads let those waits overlap.
// It must be set before the thread pool starts, hence the dynamic import below.
process.env.UV_THREADPOOL_SIZE ??= '64'

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
// DuckDB's native teardown adds seconds at exit; once output is flushed there is nothing left to do.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))))
process.exit()
