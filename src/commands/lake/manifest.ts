import {Args, Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {findTable, parseTableRef} from '../../lake/catalog/table-ref.js'
import {MANIFEST_DIR, manifestsEnabled, SYMLINK_MANIFEST_PROPERTY} from '../../lake/delta/manifest.js'

export interface ManifestSummary {
  table: string
  /** The table version the manifests now list. */
  version: number
  written: number
  deleted: number
  /** Whether commits keep them current (the table property). */
  enabled: boolean
  location: string
}

export default class LakeManifest extends LabmeshCommand<typeof LakeManifest> {
  static override summary = 'Write the symlink manifests Redshift Spectrum, Presto and Hive read a Delta table through.'
  static override description = `Rewrites ${MANIFEST_DIR}/ from the table's latest version (one manifest per partition) and deletes those of partitions that are gone: the repair after a writer stopped between its commit and its manifests. With --enable, the table property ${SYMLINK_MANIFEST_PROPERTY} is set too, so that every later commit keeps them current.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab.plate_reader_measurement',
    '<%= config.bin %> <%= command.id %> lab.plate_reader_measurement --enable',
  ]
  static override args = {
    table: Args.string({description: 'database.table (a bare name is in database lab).', required: true}),
  }
  static override flags = {
    enable: Flags.boolean({description: `Also set ${SYMLINK_MANIFEST_PROPERTY}=true, so commits keep the manifests current.`}),
  }

  public async run(): Promise<ManifestSummary> {
    const {entry, table} = await findTable(await this.backend(), parseTableRef(this.args.table))
    if (this.flags.enable) await table.setProperties({[SYMLINK_MANIFEST_PROPERTY]: 'true'})
    const result = await table.manifests()
    const enabled = manifestsEnabled((await table.snapshot({version: result.version})).metadata)
    const name = `${entry.database}.${entry.table}`
    if (!this.jsonEnabled())
      this.log(`Wrote ${result.written} manifests of ${name} (version ${result.version}), deleted ${result.deleted}.`)
    if (!enabled) this.warn(`commits do not keep them current: run with --enable to set ${SYMLINK_MANIFEST_PROPERTY}`)
    return {table: name, ...result, enabled, location: `${table.storage.location.replace(/\/$/, '')}/${MANIFEST_DIR}/`}
  }
}
