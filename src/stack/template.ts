import {profilePolicy} from '../backends/aws/iam-policy.js'
import type {AwsProfileSettings} from '../config/profiles.js'

export interface StackOptions {
  stackName: string
  /** RDS PostgreSQL for the file records (else bring your own PostgreSQL). */
  withPostgres: boolean
  /** An OpenSearch Serverless collection for search. */
  withOpenSearch: boolean
  glueDatabasePrefix: string
  /** Athena cancels a query that scans more than this. */
  bytesScannedCutoff: number
  /** More Lake Formation administrators (IAM ARNs) besides labmesh's admin role: the list replaces the account's. */
  lakeAdmins?: string[]
}

/** A synthesized template: Resources, Outputs and the rest, as CloudFormation reads them. */
export type CloudFormationTemplate = Record<string, unknown> & {
  Resources: Record<string, {Type: string}>
  Outputs?: Record<string, unknown>
}

/** Metrics every batch command publishes (namespace and names the alarms watch). */
export const METRIC_NAMESPACE = 'labmesh'

/** The stack's outputs, from which `stack deploy` writes the aws profile. */
export const OUTPUTS = {
  bucket: 'BucketName',
  kmsKey: 'KmsKeyArn',
  region: 'Region',
  gluePrefix: 'GlueDatabasePrefix',
  workgroup: 'AthenaWorkgroup',
  athenaOutput: 'AthenaOutput',
  topic: 'NotificationTopicArn',
  metadataSecret: 'MetadataSecretArn',
  openSearch: 'OpenSearchEndpoint',
} as const

/**
 * The whole AWS deployment as code (aws-cdk-lib), synthesized in process to a CloudFormation
 * template that deploys as it is: no CDK CLI, no bootstrap stack, no assets (nothing here needs a
 * Lambda bundle; RDS secret rotation is AWS's own serverless application).
 */
export async function synthesizeTemplate(options: StackOptions): Promise<CloudFormationTemplate> {
  const cdk = await import('aws-cdk-lib')
  const {aws_athena: athena, aws_cloudwatch: cloudwatch, aws_cloudwatch_actions: actions, aws_glue: glue, aws_iam: iam} = cdk
  const {aws_kms: kms, aws_lakeformation: lakeformation, aws_s3: s3, aws_sns: sns} = cdk

  const app = new cdk.App()
  const stack = new cdk.Stack(app, options.stackName, {
    synthesizer: new cdk.BootstraplessSynthesizer(),
    description: 'labmesh: a laboratory scientific data lake (bucket, key, Glue, Lake Formation, Athena, alarms)',
  })

  const key = new kms.Key(stack, 'LakeKey', {
    description: `labmesh ${options.stackName}: every object of the lake`,
    enableKeyRotation: true,
    alias: `alias/labmesh-${options.stackName}`,
    removalPolicy: cdk.RemovalPolicy.RETAIN,
  })
  const bucket = new s3.Bucket(stack, 'LakeBucket', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [
      {id: 'old-versions', noncurrentVersionExpiration: cdk.Duration.days(90)},
      {id: 'unfinished-uploads', abortIncompleteMultipartUploadAfter: cdk.Duration.days(7)},
    ],
    removalPolicy: cdk.RemovalPolicy.RETAIN,
  })
  // Writes must name SSE-KMS: nothing lands encrypted otherwise, whatever a client sends.
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyWritesWithoutKms',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: {StringNotEquals: {'s3:x-amz-server-side-encryption': 'aws:kms'}},
    }),
  )

  const workgroupName = `labmesh-${options.stackName}`
  const athenaOutput = `s3://${bucket.bucketName}/athena/`
  const database = new glue.CfnDatabase(stack, 'LabDatabase', {
    catalogId: cdk.Aws.ACCOUNT_ID,
    databaseInput: {name: `${options.glueDatabasePrefix}lab`, description: 'labmesh database lab: tables written by convert'},
  })

  // Least privilege per role, the very documents `labmesh doctor --policy` prints for the profile.
  const settings: AwsProfileSettings = {
    backend: 'aws',
    bucket: bucket.bucketName,
    kmsKeyId: key.keyId,
    glueDatabasePrefix: options.glueDatabasePrefix,
    athenaWorkgroup: workgroupName,
    athenaOutput,
    ...(options.withPostgres ? {metadataSecret: `labmesh/${options.stackName}/postgres`} : {}),
  }
  const context = {account: cdk.Aws.ACCOUNT_ID, region: cdk.Aws.REGION}
  const policies = Object.fromEntries(
    (['reader', 'writer', 'admin'] as const).map((role) => [
      role,
      new iam.ManagedPolicy(stack, `${role[0].toUpperCase()}${role.slice(1)}Policy`, {
        managedPolicyName: `labmesh-${options.stackName}-${role}`,
        description: `labmesh ${role}: ${options.stackName}`,
        document: iam.PolicyDocument.fromJson(profilePolicy(settings, role, context)),
      }),
    ]),
  ) as Record<'reader' | 'writer' | 'admin', InstanceType<typeof iam.ManagedPolicy>>
  const adminRole = new iam.Role(stack, 'AdminRole', {
    roleName: `labmesh-${options.stackName}-admin`,
    description: 'labmesh data lake administrator',
    assumedBy: new iam.AccountRootPrincipal(),
    managedPolicies: [policies.admin],
  })

  // Lake Formation: labmesh's admin role administers the lake; new databases and tables get no IAM-only default grant.
  const lakeSettings = new lakeformation.CfnDataLakeSettings(stack, 'LakeFormationSettings', {
    admins: [adminRole.roleArn, ...(options.lakeAdmins ?? [])].map((arn) => ({dataLakePrincipalIdentifier: arn})),
    createDatabaseDefaultPermissions: [],
    createTableDefaultPermissions: [],
  })
  database.addResourceDependency(lakeSettings)

  const workgroup = new athena.CfnWorkGroup(stack, 'QueryWorkgroup', {
    name: workgroupName,
    description: 'labmesh queries: results encrypted with the lake key, scans capped',
    recursiveDeleteOption: false,
    workGroupConfiguration: {
      enforceWorkGroupConfiguration: true,
      publishCloudWatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: options.bytesScannedCutoff,
      engineVersion: {selectedEngineVersion: 'Athena engine version 3'},
      resultConfiguration: {outputLocation: athenaOutput, encryptionConfiguration: {encryptionOption: 'SSE_KMS', kmsKey: key.keyArn}},
    },
  })

  const topic = new sns.Topic(stack, 'Notifications', {topicName: `labmesh-${options.stackName}`, masterKey: key})
  // CloudWatch alarms publish to the encrypted topic: they need the key.
  key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*')
  const alarm = (id: string, props: ConstructorParameters<typeof cloudwatch.Alarm>[2]) => {
    const created = new cloudwatch.Alarm(stack, id, props)
    created.addAlarmAction(new actions.SnsAction(topic))
    return created
  }
  const labmeshMetric = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName,
      dimensionsMap: {Profile: options.stackName},
      statistic: 'Sum',
      period: cdk.Duration.minutes(5),
    })
  alarm('FailedFilesAlarm', {
    alarmName: `labmesh-${options.stackName}-failed-files`,
    alarmDescription: 'Files failed to ingest or convert',
    metric: labmeshMetric('FilesFailed'),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  })
  alarm('CommandErrorsAlarm', {
    alarmName: `labmesh-${options.stackName}-command-errors`,
    alarmDescription: 'labmesh batch commands ended in an error',
    metric: labmeshMetric('CommandErrors'),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  })

  const output = (name: string, value: string) => new cdk.CfnOutput(stack, name, {value})
  output(OUTPUTS.bucket, bucket.bucketName)
  output(OUTPUTS.kmsKey, key.keyArn)
  output(OUTPUTS.region, cdk.Aws.REGION)
  output(OUTPUTS.gluePrefix, options.glueDatabasePrefix)
  output(OUTPUTS.workgroup, workgroup.name)
  output(OUTPUTS.athenaOutput, athenaOutput)
  output(OUTPUTS.topic, topic.topicArn)

  if (options.withPostgres) {
    const {addPostgres} = await import('./postgres.js')
    const secretArn = addPostgres(cdk, stack, {stackName: options.stackName, key, alarm})
    output(OUTPUTS.metadataSecret, secretArn)
  }
  if (options.withOpenSearch) {
    const {addOpenSearch} = await import('./opensearch.js')
    output(OUTPUTS.openSearch, addOpenSearch(cdk, stack, {stackName: options.stackName, key, readers: [adminRole.roleArn]}))
  }
  return app.synth().getStackByName(stack.stackName).template as CloudFormationTemplate
}
