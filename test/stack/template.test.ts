import {expect} from 'chai'
import {Match, Template} from 'aws-cdk-lib/assertions'

import {synthesizeTemplate} from '../../src/stack/template.js'

/** The synthesized CloudFormation template, checked resource by resource with aws-cdk-lib's assertions (no snapshot). */
describe('stack template', function () {
  this.timeout(120_000)
  let minimal: Template
  let full: Template
  let fullJson: Record<string, any>
  before(async () => {
    const base = {stackName: 'lab', glueDatabasePrefix: 'labmesh_', bytesScannedCutoff: 10 * 1024 ** 3}
    minimal = Template.fromJSON(await synthesizeTemplate({...base, withPostgres: false, withOpenSearch: false}))
    fullJson = await synthesizeTemplate({
      ...base,
      withPostgres: true,
      withOpenSearch: true,
      lakeAdmins: ['arn:aws:iam::123456789012:role/ops'],
    })
    full = Template.fromJSON(fullJson)
  })

  it('deploys without bootstrap: no parameters, no assets, no Lambda bundles', () => {
    expect(minimal.toJSON().Parameters ?? {}).to.deep.equal({})
    expect(fullJson.Parameters ?? {}).to.deep.equal({})
    expect(JSON.stringify(fullJson)).not.to.match(/AssetParameters|cdk-hnb659fds|CDKMetadata/)
    full.resourceCountIs('AWS::Lambda::Function', 0)
  })

  it('encrypts the bucket with a rotated customer key, blocks public access, versions it and expires old versions', () => {
    minimal.hasResourceProperties('AWS::KMS::Key', {EnableKeyRotation: true})
    minimal.hasResource('AWS::KMS::Key', {DeletionPolicy: 'Retain'})
    minimal.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {BucketKeyEnabled: true, ServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue()}},
        ],
      },
      PublicAccessBlockConfiguration: {BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true},
      VersioningConfiguration: {Status: 'Enabled'},
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({NoncurrentVersionExpiration: {NoncurrentDays: 90}, Status: 'Enabled'})]),
      },
    })
    minimal.hasResource('AWS::S3::Bucket', {DeletionPolicy: 'Retain'})
  })

  it('the bucket policy refuses plain HTTP and writes without SSE-KMS', () => {
    const statements = Object.values<any>(minimal.findResources('AWS::S3::BucketPolicy'))[0].Properties.PolicyDocument.Statement as any[]
    const tls = statements.find((s) => s.Condition?.Bool?.['aws:SecureTransport'] === 'false')
    expect(tls).to.include({Effect: 'Deny'})
    const kms = statements.find((s) => s.Sid === 'DenyWritesWithoutKms')
    expect(kms).to.deep.include({
      Effect: 'Deny',
      Action: 's3:PutObject',
      Condition: {StringNotEquals: {'s3:x-amz-server-side-encryption': 'aws:kms'}},
    })
  })

  it('enforces the Athena workgroup: encrypted results in the bucket, a bytes-scanned cut-off', () => {
    minimal.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'labmesh-lab',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: {
          EncryptionConfiguration: {EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue()},
          OutputLocation: Match.anyValue(),
        },
      },
    })
  })

  it('makes the admin role (and the named admins) the Lake Formation admins, with no IAM-only defaults', () => {
    full.hasResourceProperties('AWS::LakeFormation::DataLakeSettings', {
      Admins: [
        {DataLakePrincipalIdentifier: {'Fn::GetAtt': [Match.stringLikeRegexp('AdminRole'), 'Arn']}},
        {DataLakePrincipalIdentifier: 'arn:aws:iam::123456789012:role/ops'},
      ],
      CreateDatabaseDefaultPermissions: [],
      CreateTableDefaultPermissions: [],
    })
    minimal.hasResourceProperties('AWS::Glue::Database', {DatabaseInput: {Name: 'labmesh_lab'}})
  })

  it('has three managed policies, the documents doctor --policy prints', () => {
    minimal.resourceCountIs('AWS::IAM::ManagedPolicy', 3)
    const byName = Object.fromEntries(
      Object.values<any>(minimal.findResources('AWS::IAM::ManagedPolicy')).map((p) => [
        p.Properties.ManagedPolicyName,
        p.Properties.PolicyDocument,
      ]),
    )
    expect(Object.keys(byName).sort()).to.deep.equal(['labmesh-lab-admin', 'labmesh-lab-reader', 'labmesh-lab-writer'])
    const actions = (name: string) => (byName[name].Statement as any[]).flatMap((s) => [s.Action].flat())
    // Readers write only query results (Athena's output folder); the lake's objects are read-only to them.
    const readerWrites = (byName['labmesh-lab-reader'].Statement as any[]).filter((s) => [s.Action].flat().includes('s3:PutObject'))
    expect(readerWrites.map((s) => s.Sid)).to.deep.equal(['QueryResults'])
    expect(JSON.stringify(readerWrites[0].Resource)).to.include('/athena/')
    expect(actions('labmesh-lab-writer')).to.include('s3:PutObject').and.not.include('s3:DeleteObject')
    expect(actions('labmesh-lab-admin')).to.include('s3:DeleteObject')
  })

  it('wires every alarm to the KMS-encrypted topic, including RDS storage and CPU', () => {
    minimal.hasResourceProperties('AWS::SNS::Topic', {KmsMasterKeyId: Match.anyValue()})
    minimal.resourceCountIs('AWS::CloudWatch::Alarm', 2)
    full.resourceCountIs('AWS::CloudWatch::Alarm', 4)
    const topic = Object.keys(full.findResources('AWS::SNS::Topic'))[0]
    for (const alarm of Object.values<any>(full.findResources('AWS::CloudWatch::Alarm')))
      expect(alarm.Properties.AlarmActions).to.deep.equal([{Ref: topic}])
    full.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'labmesh',
      MetricName: 'FilesFailed',
      Dimensions: [{Name: 'Profile', Value: 'lab'}],
    })
    full.hasResourceProperties('AWS::CloudWatch::Alarm', {Namespace: 'AWS/RDS', MetricName: 'FreeStorageSpace'})
    full.hasResourceProperties('AWS::CloudWatch::Alarm', {Namespace: 'AWS/RDS', MetricName: 'CPUUtilization'})
  })

  it('--with-postgres: a private, encrypted PostgreSQL whose generated credentials rotate', () => {
    minimal.resourceCountIs('AWS::RDS::DBInstance', 0)
    full.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      PubliclyAccessible: false,
      StorageEncrypted: true,
      DeletionProtection: true,
    })
    full.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'labmesh/lab/postgres',
      GenerateSecretString: Match.objectLike({ExcludeCharacters: Match.anyValue()}),
    })
    full.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1)
    full.resourceCountIs('AWS::EC2::NatGateway', 0)
    expect(fullJson.Outputs.MetadataSecretArn).to.have.property('Value')
  })

  it('--with-opensearch: a collection with its encryption (the lake key), network and data-access policies', () => {
    minimal.resourceCountIs('AWS::OpenSearchServerless::Collection', 0)
    full.hasResourceProperties('AWS::OpenSearchServerless::Collection', {Name: 'labmesh-lab', Type: 'SEARCH'})
    full.hasResourceProperties('AWS::OpenSearchServerless::SecurityPolicy', {Type: 'encryption'})
    full.hasResourceProperties('AWS::OpenSearchServerless::SecurityPolicy', {Type: 'network'})
    full.hasResourceProperties('AWS::OpenSearchServerless::AccessPolicy', {Type: 'data'})
    const collection = Object.values<any>(full.findResources('AWS::OpenSearchServerless::Collection'))[0]
    expect(collection.DependsOn).to.have.length(3)
  })

  it('outputs what an aws profile needs', () => {
    expect(Object.keys(minimal.toJSON().Outputs).sort()).to.deep.equal(
      ['AthenaOutput', 'AthenaWorkgroup', 'BucketName', 'GlueDatabasePrefix', 'KmsKeyArn', 'NotificationTopicArn', 'Region'].sort(),
    )
  })
})
