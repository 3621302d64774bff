import {LabmeshError} from '../../errors.js'
import type {SharedClientConfig} from './client-config.js'
import {awsCall} from './errors.js'

/** The JSON secret RDS (and Aurora) create for a database user. */
export interface DatabaseSecret {
  host: string
  port: number
  username: string
  password: string
  dbname?: string
}

/** Secrets Manager: a database secret, as RDS writes it. */
export async function readDatabaseSecret(config: SharedClientConfig, secretId: string): Promise<DatabaseSecret> {
  return parseDatabaseSecret(await readSecretString(config, secretId), secretId)
}

/** Secrets Manager's one call labmesh makes: a secret's string (a database secret, a private key). */
export async function readSecretString(config: SharedClientConfig, secretId: string): Promise<string | undefined> {
  const {SecretsManagerClient, GetSecretValueCommand} = await import('@aws-sdk/client-secrets-manager')
  const client = new SecretsManagerClient(config)
  try {
    const output = await awsCall({action: 'secretsmanager:GetSecretValue', resource: secretId}, () =>
      client.send(new GetSecretValueCommand({SecretId: secretId})),
    )
    return output.SecretString
  } finally {
    client.destroy()
  }
}

/** Checks the secret's shape; the message never repeats its value. */
export function parseDatabaseSecret(text: string | undefined, secretId: string): DatabaseSecret {
  let parsed: Partial<Record<keyof DatabaseSecret, unknown>>
  try {
    parsed = JSON.parse(text ?? '') as typeof parsed
  } catch {
    throw new LabmeshError('INVALID_DATA', `secret ${secretId} is not the JSON an RDS database secret holds`, {
      subject: secretId,
      suggestions: ['store {"host", "port", "username", "password", "dbname"} as the secret string'],
    })
  }
  const missing = (['host', 'username', 'password'] as const).filter((k) => typeof parsed[k] !== 'string' || parsed[k] === '')
  if (missing.length > 0) {
    throw new LabmeshError('INVALID_DATA', `secret ${secretId} has no ${missing.join(', ')}`, {
      subject: secretId,
      suggestions: ['store {"host", "port", "username", "password", "dbname"} as the secret string'],
    })
  }
  return {
    host: parsed.host as string,
    port: Number(parsed.port ?? 5432),
    username: parsed.username as string,
    password: parsed.password as string,
    ...(typeof parsed.dbname === 'string' ? {dbname: parsed.dbname} : {}),
  }
}
