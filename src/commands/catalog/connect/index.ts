import {Flags} from '@oclif/core'
import {LabmeshCommand} from '../../../base-command.js'
import {listConnections} from '../../../config/connections.js'
import type {WarehouseConnection} from '../../../config/profiles.js'
import {renderTable} from '../../../output/table.js'

export default class CatalogConnect extends LabmeshCommand<typeof CatalogConnect> {
  static override summary = "Warehouses that query the lake's tables in place: list them, or connect one (`catalog connect redshift`)."
  static override examples = [
    '<%= config.bin %> <%= command.id %> --list',
    '<%= config.bin %> catalog connect redshift --workgroup analytics --database dev',
  ]
  static override flags = {
    list: Flags.boolean({description: "The profile's connections (the default)."}),
  }

  public async run(): Promise<{connections: WarehouseConnection[]}> {
    const connections = listConnections(this.profile().name)
    if (!this.jsonEnabled()) {
      if (connections.length === 0) this.log('No connections. Connect a warehouse with `labmesh catalog connect redshift`.')
      else
        this.log(
          renderTable(
            ['warehouse', 'target', 'schema', 'reads through', 'tables', 'connected'],
            connections.map((c) => [c.kind, c.target, c.schema, c.catalog, c.tables.length, c.connectedAt]),
          ),
        )
    }
    return {connections}
  }
}
