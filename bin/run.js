#!/usr/bin/env node
// Ingest fsyncs many small files at once: more libuv threads let those waits overlap.
// It must be set before the thread pool starts, hence the dynamic import below.
process.env.UV_THREADPOOL_SIZE ??= '16'

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
