/* global setInterval */
// One process racing for a folder's lock (test/spool/lock.test.ts), with the built lockFolder:
// it waits for the given time so that every contender starts at once, tries once, prints
// "acquired" or the error's code, and holds what it got until it is killed.
const [dir, startAt, lockModule] = process.argv.slice(2)
const {lockFolder} = await import(lockModule)
while (Date.now() < Number(startAt)) {
  // Busy until the start time: a timer would wake the contenders milliseconds apart.
}
try {
  await lockFolder(dir, 'test folder')
  process.stdout.write('acquired\n')
  setInterval(() => undefined, 60_000)
} catch (error) {
  process.stdout.write(`${error.code ?? error.message}\n`)
}
