import {confirm, input, select} from '@inquirer/prompts'

import {defaultHome} from '../config/profiles.js'
import type {NewProfile} from './create.js'

export type ProfileAnswers = Omit<NewProfile, 'force'> & {makeDefault: boolean}

/** Asks for a profile's settings on a terminal (labmesh init with no flags). */
export async function askProfileSettings(name?: string): Promise<ProfileAnswers> {
  const answers: ProfileAnswers = {
    name: name ?? (await input({message: 'Profile name', default: 'local'})),
    backend: await select({
      message: 'Backend',
      choices: [
        {name: 'local: a workspace folder on this machine, no account needed', value: 'local' as const},
        {name: 'aws: S3 (SSE-KMS), PostgreSQL, Glue, Athena', value: 'aws' as const},
      ],
    }),
    makeDefault: false,
  }
  const optional = async (message: string): Promise<string | undefined> => (await input({message})) || undefined
  if (answers.backend === 'local') {
    answers.home = await input({message: 'Workspace folder', default: process.env.LABMESH_HOME || defaultHome()})
  } else {
    answers.region = await input({message: 'AWS region', default: process.env.AWS_REGION ?? 'us-east-1'})
    answers.bucket = await input({message: 'S3 bucket', required: true})
    answers.prefix = await optional('Prefix inside the bucket (empty: the bucket root)')
    answers.kmsKeyId = await input({message: 'KMS key for SSE-KMS (key id, ARN or alias/name)', required: true})
    const secret = await select({
      message: 'Metadata database',
      choices: [
        {name: 'a Secrets Manager secret (RDS)', value: true},
        {name: 'a postgres:// URL (password from PGPASSWORD or ~/.pgpass)', value: false},
      ],
    })
    if (secret) answers.metadataSecret = await input({message: 'Secret name or ARN', required: true})
    else answers.metadataUrl = await input({message: 'postgres:// URL without the password', required: true})
    answers.glueDatabasePrefix = await optional('Glue database prefix (labmesh database lab -> Glue <prefix>lab)')
    answers.catalogId = await optional('Data Catalog account id for Lake Formation grants (empty: the account of the credentials)')
    answers.athenaWorkgroup = await optional('Athena workgroup (empty: primary)')
    answers.athenaOutput = await optional('Athena output location s3://... (empty: the workgroup default)')
    answers.awsProfile = await optional('AWS shared-config profile (empty: the default credential chain)')
  }
  answers.makeDefault = await confirm({message: 'Make it the default profile?', default: true})
  return answers
}
