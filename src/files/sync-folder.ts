import {open} from 'node:fs/promises'

/** fsync of a folder makes the names created or renamed in it durable, not only the files' bytes. */
export async function syncFolder(dir: string): Promise<void> {
  // Windows cannot open a folder to sync it; NTFS journals the rename itself.
  if (process.platform === 'win32') return
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
