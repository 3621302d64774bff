import path from 'node:path'
import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../../base-command.js'
import {listConnections, saveConnection} from '../../../config/connections.js'
import {LabmeshError} from '../../../errors.js'
import {connectSnowflake, refreshSnowflake} from '../../../lake/connect/snowflake.js'

export interface SnowflakeCommandResult {
  /** The statements run (or, with --dry-run, to run), in order. */
  statements: string[]
  tables: string[]
  dryRun: boolean
}

export default class CatalogConnectSnowflake extends LabmeshCommand<typeof CatalogConnectSnowflake> {
  static override summary = "Let Snowflake query the lake's tables in place, as Iceberg tables over the Delta files."
  static override description = `Creates a catalog integration for Delta files (TABLE_FORMAT = DELTA) unless it exists, then one Iceberg table per table of the database, whose BASE_LOCATION is the table's folder inside your external volume: Snowflake's "Delta Direct", its current recommendation for Delta Lake in place of external tables over a stage. Signs in with key-pair authentication (the key from a file or Secrets Manager; it is never stored). --dry-run prints the SQL for an administrator to review or run by hand. --refresh makes Snowflake read the latest versions; convert does it by itself when the profile has a Snowflake connection.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --account myorg-lab --user LABMESH --private-key-file ~/.ssh/snowflake.p8 --database LAB --schema LAKE --external-volume LAB_LAKE',
    '<%= config.bin %> <%= command.id %> --account myorg-lab --user LABMESH --private-key-secret labmesh/snowflake --database LAB --schema LAKE --external-volume LAB_LAKE --dry-run',
    '<%= config.bin %> <%= command.id %> --refresh',
  ]
  static override flags = {
    account: Flags.string({description: 'Account identifier (orgname-accountname).'}),
    user: Flags.string({description: 'User whose RSA public key matches the private key.'}),
    'private-key-file': Flags.string({description: 'PEM private key file (PKCS#8).', exclusive: ['private-key-secret']}),
    'private-key-secret': Flags.string({description: 'Secrets Manager secret holding the PEM private key, instead.'}),
    role: Flags.string({description: 'Role to use.'}),
    warehouse: Flags.string({description: 'Virtual warehouse to use.'}),
    database: Flags.string({description: 'Snowflake database.'}),
    schema: Flags.string({description: 'Snowflake schema for the tables (created if missing).'}),
    'external-volume': Flags.string({description: 'External volume over the lake bucket (created by a Snowflake administrator).'}),
    'volume-url': Flags.string({description: "The s3:// URL the external volume points at (default the bucket's root)."}),
    'catalog-integration': Flags.string({
      description: 'Catalog integration for Delta files (created if missing).',
      default: 'LABMESH_DELTA',
    }),
    'lake-database': Flags.string({description: 'labmesh database to expose.', default: 'lab'}),
    refresh: Flags.boolean({
      description: "Refresh the profile's Snowflake connections: Snowflake reads each table's latest version.",
      exclusive: ['dry-run'],
    }),
    'dry-run': Flags.boolean({description: 'Print the SQL; change nothing.'}),
  }

  public async run(): Promise<SnowflakeCommandResult> {
    const {flags} = this
    const backend = await this.backend()
    if (flags.refresh) {
      const connections = listConnections(this.profile().name).filter((c) => c.kind === 'snowflake')
      if (connections.length === 0)
        throw new LabmeshError('NOT_FOUND', `profile ${this.profile().name} has no Snowflake connection to refresh`, {
          suggestions: ['connect one first: `labmesh catalog connect snowflake --account ... --external-volume ...`'],
        })
      const statements: string[] = []
      for (const connection of connections) statements.push(...(await refreshSnowflake(backend, connection)))
      this.log(`Refreshed ${statements.length} Snowflake tables.`)
      return {statements, tables: connections.flatMap((c) => c.tables), dryRun: false}
    }
    const required = ['account', 'user', 'database', 'schema', 'external-volume'] as const
    const missing = required.filter((name) => !flags[name])
    if (missing.length > 0)
      throw new LabmeshError('USAGE', `connecting Snowflake needs ${missing.map((m) => `--${m}`).join(', ')}`, {
        suggestions: ['labmesh catalog connect snowflake --help', 'or --refresh, to refresh the connections made already'],
      })
    if (!flags['private-key-file'] && !flags['private-key-secret'])
      throw new LabmeshError('USAGE', 'connecting Snowflake needs --private-key-file or --private-key-secret (key-pair sign-in)')
    const bucket = backend.capabilities.location.replace(/^(s3:\/\/[^/]+\/).*$/, '$1')
    const result = await connectSnowflake(backend, {
      signIn: {
        account: flags.account!,
        user: flags.user!,
        database: flags.database!,
        role: flags.role,
        warehouse: flags.warehouse,
        privateKeyFile: flags['private-key-file'] && path.resolve(flags['private-key-file']),
        privateKeySecret: flags['private-key-secret'],
      },
      schema: flags.schema!,
      externalVolume: flags['external-volume']!,
      volumeUrl: flags['volume-url'] ?? bucket,
      catalogIntegration: flags['catalog-integration'],
      lakeDatabase: flags['lake-database'],
      dryRun: flags['dry-run'],
    })
    if (!result.dryRun) saveConnection(this.profile().name, result.connection)
    if (result.dryRun) {
      // The SQL alone on stdout, so that an administrator can save it and run it by hand.
      this.log(result.statements.map((sql) => `${sql};`).join('\n'))
      this.note(
        `Would create ${result.tables.length} Iceberg tables of ${flags['lake-database']} in ${flags.database}.${flags.schema}: the SQL above.`,
      )
    } else {
      this.log(
        `Snowflake ${result.connection.target} reads ${result.tables.length} tables of ${flags['lake-database']} in schema ${flags.schema}.`,
      )
      this.note(
        `Next: SELECT * FROM ${flags.database}.${flags.schema}.<table> in Snowflake; \`labmesh catalog connect --list\` shows the connections.`,
      )
    }
    return {statements: result.statements, tables: result.tables, dryRun: result.dryRun}
  }
}
