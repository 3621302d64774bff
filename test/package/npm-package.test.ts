import {execFile} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {expect} from 'chai'

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

// Real: npm's own list of what `npm pack` puts in the tarball (scripts/check-packed-install.sh installs
// and runs that tarball end to end in CI; a build takes minutes there, too long for the suite).
describe('the npm package', function () {
  this.timeout(120_000)
  let files: string[]

  before(async () => {
    const {stdout} = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: PROJECT})
    files = (JSON.parse(stdout) as [{files: {path: string}[]}])[0].files.map((file) => file.path)
  })

  it('holds what runs: the entry point, the built commands, the manifest, samples, docs and the changelog', () => {
    expect(files).to.include.members([
      'bin/run.js',
      'package.json',
      'oclif.manifest.json',
      'dist/commands/query/index.js',
      'dist/hooks/command-not-found.js',
      'samples/demo.sh',
      'docs/commands.md',
      'CHANGELOG.md',
      'README.md',
      'LICENSE',
    ])
    expect(files.filter((file) => file.startsWith('samples/exports/'))).to.not.be.empty
  })

  it('holds no sources, tests, benchmarks, source maps or development scripts', () => {
    const unwanted = files.filter(
      (file) => /^(src|test|bench|scripts|\.ci|reports|node_modules)\/|\.map$|\.ts$/.test(file) && !file.endsWith('.d.ts'),
    )
    expect(unwanted).to.deep.equal([])
    // Every built module the CLI runs is there: the manifest's commands point into dist/.
    expect(files.filter((file) => file.startsWith('dist/commands/') && file.endsWith('.js')).length).to.be.greaterThan(20)
  })
})
