import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../base-command.js'
import type {Completions} from '../completion/sources.js'
import {openBackend} from '../backends/open.js'
import {choiceFlag} from '../flags/choice.js'
import {createProfile, type CreatedProfile, type NewProfile} from '../profiles/create.js'
import {askProfileSettings} from '../profiles/prompt.js'

const aws = (description: string) => ({description: `${description} (aws backend).`, helpGroup: 'AWS'})

export default class Init extends LabmeshCommand<typeof Init> {
  static override completions: Completions = {home: 'dirs'}
  static override summary = 'Create a profile and its workspace.'
  static override description = `Without flags on a terminal, asks for the settings. The local profile needs none: every command
works without init, creating the default workspace on first use. An aws profile names the bucket, the KMS key every
object is encrypted with, and the PostgreSQL metadata database; credentials and endpoints come from the AWS SDK's own
chain (environment, shared config and SSO, container and instance roles, AWS_ENDPOINT_URL_<SERVICE>). See docs/aws.md.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --profile lab --backend local --home ~/labmesh-lab --default',
    '<%= config.bin %> <%= command.id %> --profile prod --backend aws --region eu-west-1 --bucket acme-lake --kms-key-id alias/lake --metadata-secret labmesh/rds',
  ]
  static override flags = {
    backend: choiceFlag(['local', 'aws'])({description: 'Backend of the profile.'}),
    home: Flags.string({description: 'Workspace folder (local backend).'}),
    region: Flags.string(aws('AWS region; default AWS_REGION or the shared config')),
    bucket: Flags.string(aws('S3 bucket for raw files, engineered documents and the lake')),
    prefix: Flags.string(aws('Folder inside the bucket holding raw/, engineered/ and lake/')),
    'kms-key-id': Flags.string(aws('KMS key (id, ARN or alias/...) for SSE-KMS on every object; required')),
    'metadata-url': Flags.string({
      ...aws('PostgreSQL URL without a password (PGPASSWORD or ~/.pgpass hold it)'),
      exclusive: ['metadata-secret'],
    }),
    'metadata-secret': Flags.string(
      aws('Secrets Manager secret (name or ARN) with the JSON RDS creates: host, port, username, password, dbname'),
    ),
    'glue-database-prefix': Flags.string(aws('Prefix of Glue database names: database lab is Glue database <prefix>lab')),
    'catalog-id': Flags.string(
      aws('Data Catalog (account id) whose Lake Formation permissions catalog share manages; default the caller account'),
    ),
    'athena-workgroup': Flags.string(aws('Athena workgroup for queries')),
    'athena-output': Flags.string(aws('s3:// folder for Athena query results')),
    'athena-price-per-tb': Flags.string(aws('USD per TB Athena scans, for the cost estimate after each query; default 5')),
    'aws-profile': Flags.string(aws('AWS shared-config profile (SSO, assume-role); default the SDK chain')),
    'path-style': Flags.boolean(aws('Path-style S3 URLs (MinIO, Ceph, emulators)')),
    metrics: Flags.boolean({
      ...aws("Publish the batch commands' CloudWatch metrics (docs/operations.md); --no-metrics turns them off"),
      allowNo: true,
    }),
    'metrics-profile': Flags.string(aws("The metrics' Profile dimension (the stack name its alarms watch); default the profile name")),
    'notify-topic-arn': Flags.string(aws('SNS topic that --notify publishes failures to')),
    notify: Flags.boolean(aws('Notify failures of every batch command, as with --notify')),
    'opensearch-endpoint': Flags.string({
      ...aws('https:// endpoint of an OpenSearch domain or serverless collection that search runs on; default PostgreSQL full text'),
      aliases: ['opensearch'],
    }),
    default: Flags.boolean({description: 'Make this the default profile.'}),
    force: Flags.boolean({description: 'Replace a profile of the same name.'}),
  }

  public async run(): Promise<CreatedProfile> {
    const asking = this.interactive && process.stdin.isTTY && !this.flags.backend
    const answers = asking ? await askProfileSettings(this.flags.profile) : undefined
    const request: NewProfile = answers ?? {
      name: this.flags.profile ?? 'local',
      backend: (this.flags.backend ?? 'local') as NewProfile['backend'],
      home: this.flags.home,
      region: this.flags.region,
      bucket: this.flags.bucket,
      prefix: this.flags.prefix,
      kmsKeyId: this.flags['kms-key-id'],
      metadataUrl: this.flags['metadata-url'],
      metadataSecret: this.flags['metadata-secret'],
      glueDatabasePrefix: this.flags['glue-database-prefix'],
      catalogId: this.flags['catalog-id'],
      athenaWorkgroup: this.flags['athena-workgroup'],
      athenaOutput: this.flags['athena-output'],
      athenaPricePerTb: this.flags['athena-price-per-tb'] === undefined ? undefined : Number(this.flags['athena-price-per-tb']),
      awsProfile: this.flags['aws-profile'],
      pathStyle: this.flags['path-style'],
      metrics: this.flags.metrics,
      metricsProfile: this.flags['metrics-profile'],
      notifyTopicArn: this.flags['notify-topic-arn'],
      openSearchEndpoint: this.flags['opensearch-endpoint'],
      notify: this.flags.notify,
      makeDefault: this.flags.default,
    }
    const created = createProfile({...request, force: this.flags.force})
    if (created.profile.settings.backend === 'local') await (await openBackend(created.profile)).close()
    if (!this.jsonEnabled()) {
      this.log(`Profile "${created.profile.name}" (${created.profile.settings.backend}) saved in ${created.profile.configFile}.`)
      if (created.profile.home) this.log(`Workspace: ${created.profile.home}`)
      this.log(
        created.profile.settings.backend === 'aws'
          ? `Next: \`labmesh doctor --profile ${created.profile.name}\` checks every service it uses.`
          : 'Next: `labmesh ingest <folder>`.',
      )
    }
    return created
  }
}
