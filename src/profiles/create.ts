import {type ProfileSettings, readConfig, resolveProfile, type ResolvedProfile, writeConfig} from '../config/profiles.js'
import {LabmeshError} from '../errors.js'

export interface NewProfile {
  name: string
  backend: 'local' | 'aws'
  home?: string
  region?: string
  bucket?: string
  kmsKeyId?: string
  makeDefault?: boolean
  force?: boolean
}

export interface CreatedProfile {
  profile: ResolvedProfile
  isDefault: boolean
}

/** Saves a profile in the config file and resolves it as commands will. */
export function createProfile(request: NewProfile): CreatedProfile {
  if (!/^[\w.-]+$/.test(request.name)) throw new LabmeshError('USAGE', `"${request.name}" is not a profile name (letters, digits, _ . -)`)
  const config = readConfig()
  if (config.profiles[request.name] && !request.force) {
    throw new LabmeshError('CONFLICT', `profile "${request.name}" exists already`, {
      suggestions: ['pass --force to replace it', '`labmesh profile show ' + request.name + '` to see it'],
    })
  }
  let settings: ProfileSettings
  if (request.backend === 'aws') {
    if (!request.bucket) throw new LabmeshError('USAGE', 'an aws profile needs --bucket')
    settings = {backend: 'aws', region: request.region, bucket: request.bucket, kmsKeyId: request.kmsKeyId}
  } else {
    settings = {backend: 'local', ...(request.home ? {home: request.home} : {})}
  }
  config.profiles[request.name] = settings
  if (request.makeDefault) config.defaultProfile = request.name
  writeConfig(config)
  return {profile: resolveProfile(request.name), isDefault: (config.defaultProfile ?? 'local') === request.name}
}
