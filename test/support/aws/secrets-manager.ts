import {randomUUID} from 'node:crypto'
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import {type AwsStub, mockClient} from 'aws-sdk-client-mock'

/**
 * Secrets Manager in this process, at its request/response contract (aws-sdk-client-mock): the
 * operations webhooks use, with the response and error shapes of the API reference, over secrets
 * kept in memory by name. `install` in a `before` of the suite that needs it, `restore` after: the
 * mock patches every SecretsManagerClient of the process.
 */
export function secretsManagerStandIn() {
  const secrets = new Map<string, string>()
  let mock: AwsStub<any, any, any> | undefined
  const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`
  const nameOf = (id: string) => /^arn:aws:secretsmanager:[^:]*:\d+:secret:(.+)-[A-Za-z0-9]{6}$/.exec(id)?.[1] ?? id
  const notFound = () =>
    new ResourceNotFoundException({message: "Secrets Manager can't find the specified secret.", $metadata: {httpStatusCode: 400}})
  return {
    secrets,
    /** The calls made, in order: the command's name and its input. */
    calls: (): Array<{command: string; input: any}> =>
      (mock?.calls() ?? []).map((call) => ({
        command: (call.args[0] as object).constructor.name,
        input: (call.args[0] as {input: unknown}).input,
      })),
    install() {
      mock = mockClient(SecretsManagerClient)
      mock.on(CreateSecretCommand).callsFake((input: {Name: string; SecretString: string}) => {
        if (secrets.has(input.Name))
          throw new ResourceExistsException({message: `the secret ${input.Name} already exists.`, $metadata: {httpStatusCode: 400}})
        secrets.set(input.Name, input.SecretString)
        return {ARN: arn(input.Name), Name: input.Name, VersionId: randomUUID()}
      })
      mock.on(PutSecretValueCommand).callsFake((input: {SecretId: string; SecretString: string}) => {
        const name = nameOf(input.SecretId)
        if (!secrets.has(name)) throw notFound()
        secrets.set(name, input.SecretString)
        return {ARN: arn(name), Name: name, VersionId: randomUUID(), VersionStages: ['AWSCURRENT']}
      })
      mock.on(GetSecretValueCommand).callsFake((input: {SecretId: string}) => {
        const name = nameOf(input.SecretId)
        const value = secrets.get(name)
        if (value === undefined) throw notFound()
        return {
          ARN: arn(name),
          Name: name,
          SecretString: value,
          VersionId: randomUUID(),
          VersionStages: ['AWSCURRENT'],
          CreatedDate: new Date(),
        }
      })
      mock.on(DeleteSecretCommand).callsFake((input: {SecretId: string; RecoveryWindowInDays?: number}) => {
        const name = nameOf(input.SecretId)
        if (!secrets.delete(name)) throw notFound()
        return {ARN: arn(name), Name: name, DeletionDate: new Date(Date.now() + 86_400_000 * (input.RecoveryWindowInDays ?? 30))}
      })
    },
    restore() {
      mock?.restore()
      mock = undefined
      secrets.clear()
    },
  }
}
