#!/usr/bin/env node
// The Node.js versions package.json's `engines` names (checked against it by a test). On an older
// one labmesh would fail later with an obscure error, so it says so first, in syntax old versions parse.
const [major, minor] = process.versions.node.split('.').map(Number)
if (!((major === 20 && minor >= 17) || major >= 22)) {
  process.stderr.write(
    `Error [UNSUPPORTED]: labmesh needs Node.js 20.17 or later 20.x, or 22 or later; this is Node.js ${process.versions.node}.\n` +
      '  try: install Node.js 22 (https://nodejs.org) or switch to it with your version manager (nvm install 22)\n',
  )
  process.exit(5)
}

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
  // The version check above is the one labmesh needs: oclif's own loads semver and a package.json to repeat it.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'

  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
  // DuckDB's native teardown adds seconds at exit; once output is flushed there is nothing left to do.
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))))
  process.exit()
}
