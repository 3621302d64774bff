// Runs StrykerJS module by module (stryker.config.mjs): `npm run mutation` for all, or name some.
import {spawnSync} from 'node:child_process'

import {MODULES} from '../stryker.config.mjs'

const names = process.argv.slice(2)
for (const name of names.length > 0 ? names : Object.keys(MODULES)) {
  if (!(name in MODULES)) {
    console.error(`unknown module "${name}"; one of ${Object.keys(MODULES).join(', ')}`)
    process.exit(2)
  }
  console.log(`\n== mutation testing: ${name} (${MODULES[name].mutate.join(', ')})`)
  const run = spawnSync('npx', ['stryker', 'run'], {stdio: 'inherit', env: {...process.env, MUTATION_MODULE: name}})
  if (run.status !== 0) process.exit(run.status ?? 1)
}
