import type {FileFilter, FileRecord, MetadataStore} from '../backends/types.js'

/** Files per page: one query each, few enough to hold in memory whatever the workspace's size. */
export const FILE_PAGE = 500

/**
 * Every file matching `filter`, a page at a time in list order. Each page starts after the last
 * file of the one before (a cursor, not an offset), so a caller may change the files it was given
 * (convert sets their status, which takes them out of a `status` filter) without any being skipped.
 */
export async function* filePages(
  metadata: MetadataStore,
  filter: Omit<FileFilter, 'after' | 'limit' | 'offset'>,
  pageSize = FILE_PAGE,
): AsyncGenerator<FileRecord[]> {
  for (let after: FileRecord | undefined; ;) {
    const page = await metadata.listFiles({...filter, after, limit: pageSize})
    if (page.length === 0) return
    yield page
    if (page.length < pageSize) return
    after = page.at(-1)
  }
}
