import type * as Cdk from 'aws-cdk-lib'

type AlarmProps = ConstructorParameters<typeof Cdk.aws_cloudwatch.Alarm>[2]

/**
 * RDS PostgreSQL for the file records: private (isolated subnets, no public address), encrypted
 * with the lake key, credentials generated into Secrets Manager and rotated by AWS's rotation
 * application (reached through a VPC endpoint), with storage and CPU alarms on the topic.
 * Returns the secret's ARN (the profile's --metadata-secret).
 */
export function addPostgres(
  cdk: typeof Cdk,
  stack: Cdk.Stack,
  options: {stackName: string; key: Cdk.aws_kms.IKey; alarm: (id: string, props: AlarmProps) => unknown},
): string {
  const {aws_ec2: ec2, aws_rds: rds, aws_cloudwatch: cloudwatch} = cdk
  const vpc = new ec2.Vpc(stack, 'DatabaseVpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED}],
  })
  vpc.addInterfaceEndpoint('SecretsManagerEndpoint', {service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER})
  const database = new rds.DatabaseInstance(stack, 'MetadataDatabase', {
    engine: rds.DatabaseInstanceEngine.postgres({version: rds.PostgresEngineVersion.VER_16}),
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.SMALL),
    vpc,
    vpcSubnets: {subnetType: ec2.SubnetType.PRIVATE_ISOLATED},
    publiclyAccessible: false,
    storageEncrypted: true,
    storageEncryptionKey: options.key,
    allocatedStorage: 20,
    maxAllocatedStorage: 200,
    databaseName: 'labmesh',
    credentials: rds.Credentials.fromGeneratedSecret('labmesh', {
      secretName: `labmesh/${options.stackName}/postgres`,
      encryptionKey: options.key,
    }),
    backupRetention: cdk.Duration.days(7),
    deletionProtection: true,
    removalPolicy: cdk.RemovalPolicy.SNAPSHOT,
  })
  database.addRotationSingleUser({automaticallyAfter: cdk.Duration.days(30)})
  options.alarm('DatabaseStorageAlarm', {
    alarmName: `labmesh-${options.stackName}-database-storage`,
    alarmDescription: 'The metadata database has less than 2 GiB free',
    metric: database.metricFreeStorageSpace({period: cdk.Duration.minutes(5)}),
    threshold: 2 * 1024 ** 3,
    evaluationPeriods: 3,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  })
  options.alarm('DatabaseCpuAlarm', {
    alarmName: `labmesh-${options.stackName}-database-cpu`,
    alarmDescription: 'The metadata database CPU above 80% for 15 minutes',
    metric: database.metricCPUUtilization({period: cdk.Duration.minutes(5)}),
    threshold: 80,
    evaluationPeriods: 3,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  })
  return database.secret!.secretArn
}
