import {confirm, input, select} from '@inquirer/prompts'

import {defaultHome} from '../config/profiles.js'

export interface ProfileAnswers {
  name: string
  backend: 'local' | 'aws'
  home?: string
  region?: string
  bucket?: string
  kmsKeyId?: string
  makeDefault: boolean
}

/** Asks for a profile's settings on a terminal (labmesh init with no flags). */
export async function askProfileSettings(name?: string): Promise<ProfileAnswers> {
  const answers: ProfileAnswers = {
    name: name ?? (await input({message: 'Profile name', default: 'local'})),
    backend: await select({
      message: 'Backend',
      choices: [
        {name: 'local: a workspace folder on this machine, no account needed', value: 'local' as const},
        {name: 'aws: S3 (SSE-KMS), Glue, Athena, Lake Formation, OpenSearch', value: 'aws' as const},
      ],
    }),
    makeDefault: false,
  }
  if (answers.backend === 'local') {
    answers.home = await input({message: 'Workspace folder', default: process.env.LABMESH_HOME || defaultHome()})
  } else {
    answers.region = await input({message: 'AWS region', default: process.env.AWS_REGION ?? 'us-east-1'})
    answers.bucket = await input({message: 'S3 bucket', required: true})
    answers.kmsKeyId = (await input({message: 'KMS key id or alias for SSE-KMS (empty: the bucket default)'})) || undefined
  }
  answers.makeDefault = await confirm({message: 'Make it the default profile?', default: true})
  return answers
}
