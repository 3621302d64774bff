import {statSync} from 'node:fs'

import {listProfiles, resolveProfile, type ResolvedProfile} from '../config/profiles.js'
import {LabmeshError} from '../errors.js'

/** What `push --from` names: a local profile's workspace, or a spool folder. */
export type PushSource = {kind: 'workspace'; profile: ResolvedProfile} | {kind: 'spool'; dir: string}

/**
 * A profile of that name wins over a folder of that name; a profile must be local (its workspace
 * is read), a folder must exist: NOT_FOUND for a name that is neither, USAGE for a profile or path of the wrong kind.
 */
export function pushSource(from: string, target: ResolvedProfile): PushSource {
  const settings = listProfiles()[from]
  if (settings) {
    if (settings.backend !== 'local') {
      throw new LabmeshError('USAGE', `--from ${from}: profile "${from}" is an ${settings.backend} profile; push reads a local workspace`, {
        subject: from,
        suggestions: ['name a local profile, or a spool folder of `labmesh watch`'],
      })
    }
    if (from === target.name) {
      throw new LabmeshError('USAGE', `--from ${from} and --to ${target.name} are the same profile`, {
        subject: from,
        suggestions: ['name the aws profile to send the workspace to with --to'],
      })
    }
    return {kind: 'workspace', profile: resolveProfile(from)}
  }
  const found = kindOf(from)
  if (found === 'directory') return {kind: 'spool', dir: from}
  // A name that stands for nothing is NOT_FOUND, as a missing spool folder always was; a file is a wrong kind of thing.
  throw new LabmeshError(found === 'missing' ? 'NOT_FOUND' : 'USAGE', `--from ${from} is neither a local profile nor a spool folder`, {
    subject: from,
    suggestions: [`profiles: ${Object.keys(listProfiles()).join(', ')}`, 'a spool folder is the --spool folder of `labmesh watch`'],
  })
}

function kindOf(dir: string): 'directory' | 'other' | 'missing' {
  try {
    return statSync(dir).isDirectory() ? 'directory' : 'other'
  } catch {
    return 'missing'
  }
}
