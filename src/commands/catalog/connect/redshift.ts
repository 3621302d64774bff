import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../../base-command.js'
import {saveConnection} from '../../../config/connections.js'
import {connectRedshift, type RedshiftConnectResult} from '../../../lake/connect/redshift.js'

export default class CatalogConnectRedshift extends LabmeshCommand<typeof CatalogConnectRedshift> {
  static override summary = "Let Amazon Redshift query the lake's tables in place, through Spectrum."
  static override description = `Each table of the database keeps symlink manifests (its property delta.compatibility.symlinkFormatManifest.enabled is set, so every later commit keeps them current) and is registered over them in the Glue database <prefix><database>_manifest; then one external schema in Redshift maps to that database, created through the Redshift Data API. Connecting again updates the tables and adds new partitions. --dry-run prints the SQL and changes nothing.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --workgroup analytics --database dev',
    '<%= config.bin %> <%= command.id %> --cluster warehouse-1 --database dev --db-user admin --iam-role arn:aws:iam::123456789012:role/spectrum --dry-run',
  ]
  static override flags = {
    workgroup: Flags.string({description: 'Redshift Serverless workgroup.', exactlyOne: ['workgroup', 'cluster']}),
    cluster: Flags.string({description: 'Provisioned cluster identifier.'}),
    database: Flags.string({description: 'Redshift database to create the external schema in.', required: true}),
    'db-user': Flags.string({
      description: 'Database user for temporary credentials (clusters); default your IAM identity.',
      exclusive: ['secret-arn'],
    }),
    'secret-arn': Flags.string({description: 'Secrets Manager secret with the database user and password, instead.'}),
    'iam-role': Flags.string({description: 'IAM role ARN Redshift assumes to read Glue and S3 (default: the warehouse default role).'}),
    schema: Flags.string({description: 'External schema name in Redshift (default: the lake database name).'}),
    'lake-database': Flags.string({description: 'labmesh database to expose.', default: 'lab'}),
    'dry-run': Flags.boolean({description: 'Print the SQL and the tables; change nothing.'}),
  }

  public async run(): Promise<RedshiftConnectResult> {
    const {flags} = this
    const lakeDatabase = flags['lake-database']
    const result = await connectRedshift(await this.backend(), {
      target: {
        workgroup: flags.workgroup,
        cluster: flags.cluster,
        database: flags.database,
        dbUser: flags['db-user'],
        secretArn: flags['secret-arn'],
      },
      schema: flags.schema ?? lakeDatabase,
      lakeDatabase,
      iamRole: flags['iam-role'],
      dryRun: flags['dry-run'],
    })
    for (const failure of result.failed) this.warn(`${failure.table} not exposed: ${failure.message}`)
    if (!result.dryRun && result.tables.length > 0) saveConnection(this.profile().name, result.connection)
    const {connection} = result
    if (result.dryRun) {
      // The SQL alone on stdout, so that it can be saved and run by hand; what it would do is said to people.
      this.log(result.statements.map((sql) => `${sql};`).join('\n'))
      this.note(
        `Would expose ${result.tables.length} tables of ${lakeDatabase} through Glue database ${connection.catalog}, and run the SQL above in ${connection.target}.`,
      )
    } else {
      this.log(`Redshift ${connection.target} reads ${result.tables.length} tables of ${lakeDatabase} as schema "${connection.schema}".`)
      this.note(`Next: SELECT * FROM "${connection.schema}".<table> in Redshift; \`labmesh catalog connect --list\` shows the connections.`)
    }
    if (result.failed.length > 0) process.exitCode = 5
    return result
  }
}
