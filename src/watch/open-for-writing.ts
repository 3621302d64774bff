import {readdir, readFile, readlink} from 'node:fs/promises'

/** O_WRONLY | O_RDWR: the access mode bits of open(2) flags. */
const WRITE_ACCESS = 0o3

/**
 * Which of these files some process holds open for writing, where the OS tells: on Linux, from
 * /proc (every process this user may inspect; a file open elsewhere, e.g. on a share's server, is
 * not seen). Elsewhere, none: stability then rests on size and time alone. Paths must be real
 * paths (symbolic links resolved), as /proc shows them.
 */
export async function openForWriting(files: Set<string>): Promise<Set<string>> {
  const found = new Set<string>()
  if (process.platform !== 'linux' || files.size === 0) return found
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name))
  await Promise.all(
    pids.map(async (pid) => {
      const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])
      for (const fd of fds) {
        const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
        if (!files.has(target)) continue
        const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '')
        const flags = /^flags:\s+([0-7]+)/m.exec(info)
        if (flags && (parseInt(flags[1], 8) & WRITE_ACCESS) !== 0) found.add(target)
      }
    }),
  )
  return found
}
