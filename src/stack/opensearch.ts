import type * as Cdk from 'aws-cdk-lib'

/**
 * An OpenSearch Serverless search collection, encrypted with the lake key; its endpoint reached
 * over HTTPS with IAM (SigV4) only: the data access policy names the principals that may read and
 * write it. Returns the collection endpoint.
 */
export function addOpenSearch(
  cdk: typeof Cdk,
  stack: Cdk.Stack,
  options: {stackName: string; key: Cdk.aws_kms.IKey; readers: string[]},
): string {
  const {aws_opensearchserverless: aoss} = cdk
  const name = `labmesh-${options.stackName}`.toLowerCase().slice(0, 32)
  const resource = [`collection/${name}`]
  const encryption = new aoss.CfnSecurityPolicy(stack, 'SearchEncryptionPolicy', {
    name: `${name}-enc`.slice(0, 32),
    type: 'encryption',
    policy: cdk.Stack.of(stack).toJsonString({
      Rules: [{ResourceType: 'collection', Resource: resource}],
      AWSOwnedKey: false,
      KmsARN: options.key.keyArn,
    }),
  })
  const network = new aoss.CfnSecurityPolicy(stack, 'SearchNetworkPolicy', {
    name: `${name}-net`.slice(0, 32),
    type: 'network',
    policy: JSON.stringify([{Rules: [{ResourceType: 'collection', Resource: resource}], AllowFromPublic: true}]),
  })
  const access = new aoss.CfnAccessPolicy(stack, 'SearchAccessPolicy', {
    name: `${name}-data`.slice(0, 32),
    type: 'data',
    policy: cdk.Stack.of(stack).toJsonString([
      {
        Rules: [
          {
            ResourceType: 'collection',
            Resource: resource,
            Permission: ['aoss:DescribeCollectionItems', 'aoss:CreateCollectionItems', 'aoss:UpdateCollectionItems'],
          },
          {
            ResourceType: 'index',
            Resource: [`index/${name}/*`],
            Permission: ['aoss:ReadDocument', 'aoss:WriteDocument', 'aoss:CreateIndex', 'aoss:UpdateIndex', 'aoss:DescribeIndex'],
          },
        ],
        Principal: options.readers,
      },
    ]),
  })
  const collection = new aoss.CfnCollection(stack, 'SearchCollection', {name, type: 'SEARCH', description: 'labmesh search'})
  collection.addResourceDependency(encryption)
  collection.addResourceDependency(network)
  collection.addResourceDependency(access)
  return collection.attrCollectionEndpoint
}
