import type {SharedClientConfig} from './client-config.js'
import {awsCall} from './errors.js'

export interface KeyFacts {
  arn: string
  state: string
  usage: string
  /** Whether this identity could generate a data key with it (what S3 does on every SSE-KMS write). */
  canEncrypt: boolean
}

/** KMS: the key's state and usage, and a data key generated as S3 generates one for SSE-KMS. */
export async function describeKey(config: SharedClientConfig, keyId: string): Promise<KeyFacts> {
  const {KMSClient, DescribeKeyCommand, GenerateDataKeyCommand} = await import('@aws-sdk/client-kms')
  const client = new KMSClient(config)
  try {
    const output = await awsCall({action: 'kms:DescribeKey', resource: keyId}, () => client.send(new DescribeKeyCommand({KeyId: keyId})))
    const metadata = output.KeyMetadata
    await awsCall({action: 'kms:GenerateDataKey', resource: metadata?.Arn ?? keyId}, () =>
      client.send(new GenerateDataKeyCommand({KeyId: keyId, KeySpec: 'AES_256'})),
    )
    return {arn: metadata?.Arn ?? keyId, state: metadata?.KeyState ?? 'unknown', usage: metadata?.KeyUsage ?? 'unknown', canEncrypt: true}
  } finally {
    client.destroy()
  }
}
