import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import type {Config} from '@oclif/core'

import type {Backend} from '../backends/types.js'
import {listCommands} from '../cli/command-list.js'
import {DEFAULT_PROFILE, listProfiles, readConfig, type ResolvedProfile} from '../config/profiles.js'
import {writeFileAtomically} from '../output/atomic-file.js'
import {ANY_PROFILE, knownValuesFile, type KnownValueUpdate, readKnownValues, replaceKnownValues} from './known-values.js'
import {completionScript, type Shell, SHELLS} from './scripts.js'
import {completionSpec} from './spec.js'

/** How long a profile's tables and saved searches are trusted before a command that opened its backend lists them again. */
const KNOWN_VALUES_TTL_MS = 60_000

export interface CompletionFiles {
  dir: string
  /** Each shell's script, where `labmesh autocomplete` wrote it. */
  scripts: Record<Shell, string>
  values: string
}

/** Everything lives under oclif's cache folder (LABMESH_CACHE_DIR, else the platform's cache dir). */
export function completionFiles(cacheDir: string): CompletionFiles {
  const dir = path.join(cacheDir, 'autocomplete')
  return {
    dir,
    scripts: {bash: path.join(dir, 'labmesh.bash'), zsh: path.join(dir, 'zsh', '_labmesh'), fish: path.join(dir, 'labmesh.fish')},
    values: knownValuesFile(dir),
  }
}

/** True once `labmesh autocomplete` has run: until then no command spends a moment on completion. */
export function completionInstalled(cacheDir: string): boolean {
  return existsSync(completionFiles(cacheDir).dir)
}

/** A shell's completion script for this CLI's commands. */
export function scriptFor(config: Config, shell: Shell): string {
  const topics = config.topics.filter((topic) => !topic.hidden)
  const spec = completionSpec(
    listCommands(config),
    topics.map((topic) => ({name: topic.name.replaceAll(':', ' '), description: topic.description ?? ''})),
  )
  return completionScript(shell, {bin: config.bin, version: config.version, spec, defaultCacheDir: config.cacheDir})
}

/** Writes the three shells' scripts and the version they were written by. */
export function writeScripts(config: Config): CompletionFiles {
  const files = completionFiles(config.cacheDir)
  for (const shell of SHELLS) writeFileAtomically(files.scripts[shell], scriptFor(config, shell))
  writeFileAtomically(versionFile(files), config.version)
  return files
}

export interface RefreshOptions {
  config: Config
  profile: ResolvedProfile
  /** The backend the command opened, if it did: its tables and saved searches are listed then. */
  backend?: Backend
  /** Converters the command loaded (the profile's own and the built-in ones). */
  converters?: {name: string; description: string}[]
  /** List tables and saved searches even if they were listed less than a minute ago. */
  force: boolean
}

/**
 * Brings the completion cache up to date with what a command saw: the profiles, the default one,
 * the converters it loaded and, when it opened the backend, the tables and saved searches (at most
 * once a minute, unless the command changed them). Scripts written by another version are rewritten,
 * so an upgrade completes its own commands.
 */
export async function refreshCompletion(options: RefreshOptions): Promise<void> {
  const {config, profile, backend, converters} = options
  const files = completionFiles(config.cacheDir)
  if (readText(versionFile(files)) !== config.version) writeScripts(config)
  const labmeshConfig = readConfig()
  const updates: KnownValueUpdate[] = [
    {
      kind: 'profiles',
      profile: ANY_PROFILE,
      rows: Object.entries(listProfiles(labmeshConfig)).map(([name, settings]) => ({
        value: name,
        description: `${settings.backend} backend`,
      })),
    },
    {kind: 'default', profile: ANY_PROFILE, rows: [{value: labmeshConfig.defaultProfile ?? DEFAULT_PROFILE, description: ''}]},
  ]
  if (converters)
    updates.push({kind: 'converters', profile: profile.name, rows: converters.map((c) => ({value: c.name, description: c.description}))})
  if (backend && (options.force || isStale(files.values, profile.name))) {
    const tables = await backend.catalog.list()
    const searches = (await backend.savedSearches?.list()) ?? []
    updates.push(
      {kind: 'tables', profile: profile.name, rows: tables.map((t) => ({value: `${t.database}.${t.table}`, description: t.location}))},
      {kind: 'searches', profile: profile.name, rows: searches.map((s) => ({value: s.name, description: s.query}))},
      {kind: 'refreshed', profile: profile.name, rows: [{value: String(Date.now()), description: ''}]},
    )
  }
  replaceKnownValues(files.values, updates)
}

function isStale(valuesFile: string, profile: string): boolean {
  const refreshed = readKnownValues(valuesFile).find((row) => row.kind === 'refreshed' && row.profile === profile)
  return !refreshed || Date.now() - Number(refreshed.value) > KNOWN_VALUES_TTL_MS
}

function versionFile(files: CompletionFiles): string {
  return path.join(files.dir, 'version')
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
