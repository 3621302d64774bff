import {hostname} from 'node:os'
import path from 'node:path'

import type {Backend, Label, MonitoredPath, MonitoredPathStore} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {parsePathTemplate} from '../ingest/path-template.js'

export function monitoredPathsOf(backend: Backend): MonitoredPathStore {
  if (backend.monitoredPaths) return backend.monitoredPaths
  throw new LabmeshError('UNSUPPORTED', `the ${backend.name} backend cannot keep monitored paths`, {
    suggestions: ['use a local or aws profile'],
  })
}

export interface NewPathOptions {
  dir: string
  name?: string
  template?: string
  include?: string[]
  exclude?: string[]
  labels?: Label[]
  metadata?: Record<string, string>
  stableSeconds: number
  since?: string
  convert?: boolean
  archiveTo?: string
  archiveAfterMs?: number
}

const NAME = /^[A-Za-z0-9][\w.-]{0,63}$/

/** A monitored path's settings from `paths add`, checked: a name, a template that parses, an archive outside the folder. */
export function newMonitoredPath(options: NewPathOptions): Omit<MonitoredPath, 'createdAt'> {
  const root = path.resolve(options.dir)
  const name = options.name ?? path.basename(root)
  if (!NAME.test(name)) {
    throw new LabmeshError('INVALID_INPUT', `"${name}" is not a monitored path name`, {
      suggestions: ['name it with --name: letters, digits, _ . - (up to 64), starting with a letter or digit'],
    })
  }
  if (options.template) parsePathTemplate(options.template)
  let since: string | null = null
  if (options.since) {
    const time = Date.parse(options.since)
    if (Number.isNaN(time)) throw new LabmeshError('USAGE', `--since "${options.since}" is not a date`, {suggestions: ['e.g. 2024-06-01']})
    since = new Date(time).toISOString()
  }
  const archiveTo = options.archiveTo ? path.resolve(options.archiveTo) : null
  if (archiveTo && (inside(archiveTo, root) || inside(root, archiveTo))) {
    throw new LabmeshError(
      'INVALID_INPUT',
      `the archive folder ${archiveTo} and the monitored folder ${root} must not contain one another`,
      {
        subject: archiveTo,
        suggestions: ['archive to a folder beside the monitored one'],
      },
    )
  }
  if (options.archiveAfterMs !== undefined && !archiveTo) {
    throw new LabmeshError('USAGE', '--archive-after needs --archive-to', {suggestions: ['add --archive-to DIR']})
  }
  return {
    name,
    root,
    host: hostname(),
    template: options.template ?? null,
    include: options.include ?? [],
    exclude: options.exclude ?? [],
    labels: options.labels ?? [],
    metadata: options.metadata ?? {},
    stableSeconds: options.stableSeconds,
    since,
    convert: Boolean(options.convert),
    archiveTo,
    archiveAfterMs: archiveTo ? (options.archiveAfterMs ?? 7 * 86_400_000) : null,
  }
}

function inside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/**
 * The paths `watch` takes, among all those read (from the backend, or from the copy saved beside
 * the spool): every path of this machine, or those named (NOT_FOUND for a name that is not there).
 */
export function choosePaths(all: MonitoredPath[], names: string[] | undefined): MonitoredPath[] {
  const host = hostname()
  if (!names?.length) {
    const here = all.filter((p) => p.host === host)
    if (here.length === 0) {
      throw new LabmeshError('NOT_FOUND', `no monitored paths on ${host}`, {suggestions: ['add one with `labmesh paths add <dir>`']})
    }
    return here
  }
  return names.map((name) => {
    const found = all.find((p) => p.name === name)
    if (!found) throw notFound(name)
    if (found.host !== host) {
      throw new LabmeshError('INVALID_INPUT', `monitored path "${name}" is a folder of ${found.host}, not of ${host}`, {
        subject: name,
        suggestions: [`run \`labmesh watch\` on ${found.host}`],
      })
    }
    return found
  })
}

export function notFound(name: string): LabmeshError {
  return new LabmeshError('NOT_FOUND', `no monitored path named "${name}"`, {
    subject: name,
    suggestions: ['list them with `labmesh paths list`'],
  })
}
