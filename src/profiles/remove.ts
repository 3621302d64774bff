import {recordConfigChange} from '../config/audit-file.js'
import {DEFAULT_PROFILE, readConfig, resolveProfile, writeConfig} from '../config/profiles.js'
import {LabmeshError} from '../errors.js'

export interface RemovedProfile {
  dryRun: boolean
  name: string
  backend: string
  /** True when it was the default profile: `local` is the default now. */
  wasDefault: boolean
  /** The local workspace it used, which stays (its data is not deleted). */
  workspace?: string
}

/** Takes a profile out of the config file; its workspace or bucket and their data stay. */
export function removeProfile(name: string, options: {dryRun?: boolean} = {}): RemovedProfile {
  const config = readConfig()
  const settings = config.profiles[name]
  if (!settings) {
    throw new LabmeshError('NOT_FOUND', `no profile named "${name}" in the config file`, {
      subject: name,
      suggestions: [
        name === DEFAULT_PROFILE
          ? 'the built-in local profile needs no config and cannot be removed'
          : 'see them with `labmesh profile list`',
      ],
    })
  }
  const removed: RemovedProfile = {
    dryRun: Boolean(options.dryRun),
    name,
    backend: settings.backend,
    wasDefault: config.defaultProfile === name,
    workspace: resolveProfile(name).home,
  }
  if (options.dryRun) return removed
  delete config.profiles[name]
  if (removed.wasDefault) delete config.defaultProfile
  writeConfig(config)
  recordConfigChange('profile remove', name, {settings, wasDefault: removed.wasDefault})
  return removed
}
