import type {AuditLog, Catalog, CatalogEntry} from '../../backends/types.js'
import {LabmeshError} from '../../errors.js'
import {listAll} from '../delta/storage.js'
import type {DeltaTable} from '../delta/table.js'

export interface TableUnregistered {
  dryRun: boolean
  table: string
  location: string
  managed: boolean
  /** The folder's contents, when --delete-data deleted them (or would). */
  data?: {files: number; bytes: number}
}

/**
 * Takes a table out of the catalog and, with `deleteData`, deletes its folder first (so a run that
 * stops half-way leaves a registered table to unregister again, never an unregistered folder
 * half-deleted). Data labmesh does not own needs `force`.
 */
export async function unregisterTable(
  catalog: Catalog,
  audit: AuditLog,
  entry: CatalogEntry,
  table: DeltaTable,
  options: {deleteData?: boolean; dryRun?: boolean; force?: boolean},
): Promise<TableUnregistered> {
  const name = `${entry.database}.${entry.table}`
  const result: TableUnregistered = {dryRun: Boolean(options.dryRun), table: name, location: entry.location, managed: entry.managed}
  if (options.deleteData) {
    const sharing = (await catalog.list()).filter((e) => e.location === entry.location && `${e.database}.${e.table}` !== name)
    const reasons = [
      ...(entry.managed ? [] : [`${name} was registered from elsewhere: labmesh does not own ${entry.location}`]),
      ...sharing.map((e) => `${e.database}.${e.table} is registered at the same folder`),
    ]
    if (reasons.length > 0 && !options.force) {
      throw new LabmeshError('CONFLICT', `not deleting the data of ${name}: ${reasons.join('; ')}`, {
        subject: name,
        suggestions: ['pass --force to delete the folder anyway', 'leave out --delete-data to keep the folder'],
      })
    }
    const objects = await listAll(table.storage.objects, '')
    result.data = {files: objects.length, bytes: objects.reduce((sum, o) => sum + o.size, 0)}
  }
  if (options.dryRun) return result
  if (options.deleteData) await table.storage.objects.deleteAll()
  await catalog.unregister(entry)
  await audit.record('catalog unregister', name, {location: entry.location, managed: entry.managed, deletedData: result.data ?? null})
  return result
}
