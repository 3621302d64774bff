import type {ResolvedProfile} from '../config/profiles.js'
import {LabmeshError} from '../errors.js'
import type {Backend} from './types.js'

/** Opens the backend a profile names. Heavy parts (the AWS SDK) load only when used. */
export async function openBackend(profile: ResolvedProfile): Promise<Backend> {
  switch (profile.settings.backend) {
    case 'local': {
      const {createLocalBackend} = await import('./local/index.js')
      return createLocalBackend({home: profile.home!})
    }
    case 'aws': {
      const {createAwsBackend} = await import('./aws/index.js')
      return createAwsBackend(profile.settings)
    }
    default:
      throw new LabmeshError(
        'INVALID_INPUT',
        `profile "${profile.name}" names an unknown backend "${(profile.settings as {backend: string}).backend}"`,
        {
          subject: profile.configFile,
          suggestions: ['backend must be "local" or "aws"'],
        },
      )
  }
}
