import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../../base-command.js'
import {listConnections} from '../../../config/connections.js'
import type {WarehouseConnection} from '../../../config/profiles.js'
import {wideFlag} from '../../../flags/wide.js'
import {renderTable} from '../../../output/table.js'

export default class CatalogConnect extends LabmeshCommand<typeof CatalogConnect> {
  static override summary = "Warehouses that query the lake's tables in place: list them, or connect one (`catalog connect redshift`)."
  static override examples = [
    '<%= config.bin %> <%= command.id %> --list',
    '<%= config.bin %> <%= command.id %> --list --wide',
    '<%= config.bin %> catalog connect redshift --workgroup analytics --database dev',
  ]
  static override flags = {
    list: Flags.boolean({description: "The profile's connections (the default)."}),
    ...wideFlag,
  }

  public async run(): Promise<{connections: WarehouseConnection[]}> {
    const connections = listConnections(this.profile().name)
    this.printListing(
      connections.length,
      () =>
        renderTable(
          ['warehouse', 'target', 'schema', 'reads through', 'tables', 'connected'],
          connections.map((c) => [c.kind, c.target, c.schema, c.catalog, c.tables.length, c.connectedAt]),
          this.layout,
        ),
      'No connections. Connect a warehouse with `labmesh catalog connect redshift` or `labmesh catalog connect snowflake`.',
    )
    return {connections}
  }
}
