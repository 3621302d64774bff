import path from 'node:path'
import {Command, Errors, Flags, Interfaces} from '@oclif/core'

import type {Backend, RunCommand} from './backends/types.js'
import {openBackend} from './backends/open.js'
import {completionInstalled, refreshCompletion} from './completion/install.js'
import type {Completions} from './completion/sources.js'
import {resolveProfile, type ResolvedProfile} from './config/profiles.js'
import type {ConverterRegistry} from './converters/registry.js'
import {ERROR_EXIT_CODES, type ErrorCode, formatError, LabmeshError, toLabmeshError} from './errors.js'
import {type TableLayout, tableLayout} from './output/layout.js'
import type {Rendered} from './output/listed.js'
import type {FinishedRun, RunTracker} from './runs/tracker.js'

export type LabmeshFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof LabmeshCommand)['baseFlags'] & T['flags']>
export type LabmeshArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * Every labmesh command: `--json` and `--profile`, the backend opened on first use and closed
 * at the end, and errors rendered with their stable code and exit code.
 */
export abstract class LabmeshCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    profile: Flags.string({
      description: 'Profile that selects the backend and its settings (default: LABMESH_PROFILE, then the config file, then "local").',
      helpGroup: 'GLOBAL',
    }),
  }
  /** Where shells complete this command's argument and flag values from (`--profile` completes profiles everywhere). */
  static completions?: Completions
  /** True for commands that add or remove tables or saved searches: shell completion lists them again at once. */
  static changesKnownValues?: boolean

  protected flags!: LabmeshFlags<T>
  protected args!: LabmeshArgs<T>
  private opened?: Backend
  /** The converters this command loaded, for shell completion. */
  private loadedConverters?: {name: string; description: string}[]
  /** Warnings of this run: printed on stderr as they come, and listed in the --json result. */
  private readonly warnings: {message: string}[] = []
  /** The batch run this command counts (startRun), reported when the command ends. */
  private batchRun?: RunTracker

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof LabmeshCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    }).catch((error: unknown) => {
      throw usageError(error, this.id ?? '')
    })
    this.flags = flags as LabmeshFlags<T>
    this.args = args as LabmeshArgs<T>
  }

  protected profile(): ResolvedProfile {
    return resolveProfile(this.flags.profile)
  }

  /** The profile's backend, opened once per command (the first call creates a local workspace). */
  protected async backend(): Promise<Backend> {
    this.opened ??= await openBackend(this.profile())
    return this.opened
  }

  /** The converters: built-in ones, the profile's modules, and any named on the command line. */
  protected async converters(extraModules: string[] = []): Promise<ConverterRegistry> {
    // Loaded here, not at the top: the converters (and their XML parser) would slow every command's start.
    const {ConverterRegistry} = await import('./converters/registry.js')
    const profile = this.profile()
    const fromProfile = profile.settings.converters ?? []
    const registry = await ConverterRegistry.load([
      ...fromProfile.map((m) => path.resolve(path.dirname(profile.configFile), m)),
      ...extraModules,
    ])
    // Modules named on this command line are not the profile's: completion offers what every run has.
    if (extraModules.length === 0) this.loadedConverters = registry.list().map(({name, description}) => ({name, description}))
    return registry
  }

  /**
   * Brings lab.files, and an OpenSearch index, up to date with the records this command changed
   * (and any change a crashed run left queued). A failure only warns: the changes stay queued
   * and the next run writes them.
   */
  protected async syncReplicas(): Promise<void> {
    const backend = await this.backend()
    const {syncFilesTable} = await import('./lake/tables/files-sync.js')
    try {
      await syncFilesTable(backend)
    } catch (error) {
      this.warn(`lab.files is not up to date (${toLabmeshError(error).message}); the next ingest, convert or label change catches up`)
    }
    if (!backend.search?.sync) return
    try {
      const {rejected, deferred} = await backend.search.sync()
      for (const r of rejected) this.warn(`the search index refused file ${r.fileId}: ${r.reason}`)
      if (deferred > 0)
        this.warn(`${deferred} files wait for the search index (throttled); the next ingest, convert or label change sends them`)
    } catch (error) {
      this.warn(
        `the search index is not up to date (${toLabmeshError(error).message}); the next ingest, convert or label change catches up`,
      )
    }
  }

  /** Sends the webhook deliveries this command's events queued, for a few seconds at most, before it exits. */
  protected async deliverWebhooks(): Promise<void> {
    const {deliverBeforeExit} = await import('./webhooks/before-exit.js')
    const warning = await deliverBeforeExit(await this.backend())
    if (warning) this.warn(warning)
  }

  /**
   * Counts this command as a run of a batch command: when it ends (an error included) the run is
   * kept for `labmesh status`, its metrics published and, with --notify, its failures notified.
   */
  protected async startRun(command: RunCommand): Promise<RunTracker> {
    const {RunTracker} = await import('./runs/tracker.js')
    this.batchRun = new RunTracker(command, this.profile().name)
    return this.batchRun
  }

  /** Keeps and publishes a finished run (each window of `watch`); problems only warn. */
  protected async reportRun(finished: FinishedRun): Promise<void> {
    const {reportRun} = await import('./runs/report.js')
    await reportRun(finished, {
      profile: this.profile(),
      backend: this.opened,
      notify: Boolean((this.flags as {notify?: boolean}).notify),
      warn: (message) => this.warn(message),
    })
  }

  /** True when humans are watching: stdout is a terminal and --json is off. */
  protected get interactive(): boolean {
    return Boolean(process.stdout.isTTY) && !this.jsonEnabled()
  }

  /** How tables print: fitted boxes on a terminal (whole with --wide), tab-separated rows down a pipe. */
  protected get layout(): TableLayout {
    return tableLayout({wide: Boolean((this.flags as {wide?: boolean}).wide)})
  }

  /**
   * A line for people around a listing (counts, hints, "Next:"): on stdout at a terminal, on
   * stderr down a pipe so that stdout holds only rows; nothing under --json.
   */
  protected note(message: string): void {
    if (this.jsonEnabled()) return
    if (process.stdout.isTTY) this.log(message)
    else process.stderr.write(message + '\n')
  }

  /** A listing's table (down a pipe its header line even when empty), or `empty` said to people when there is nothing to list. */
  protected printListing(rowCount: number, render: () => string, empty: string): void {
    if (rowCount > 0 || this.layout.kind === 'tsv') this.log(render())
    if (rowCount === 0) this.note(empty)
  }

  /** A command's tables on stdout (down a pipe, blocks of TSV apart by a blank line), then its notes. */
  protected print(rendered: Rendered): void {
    if (this.jsonEnabled()) return
    if (rendered.body.length > 0) this.log(rendered.body.join(this.layout.kind === 'tsv' ? '\n\n' : '\n'))
    for (const note of rendered.notes) this.note(note)
  }

  /** A warning on stderr, which under --json goes into the result's `warnings` instead. */
  public override warn(input: string | Error): string | Error {
    const message = input instanceof Error ? input.message : input
    this.warnings.push({message})
    if (!this.jsonEnabled()) process.stderr.write(`Warning: ${message}\n`)
    return input
  }

  protected override toSuccessJson(result: unknown): unknown {
    if (this.warnings.length === 0 || result === null || typeof result !== 'object' || Array.isArray(result)) return result
    const own = (result as {warnings?: unknown}).warnings
    return {...result, warnings: [...(Array.isArray(own) ? own : []), ...this.warnings]}
  }

  public override async finally(error: Error | undefined): Promise<void> {
    if (this.batchRun) {
      const failure = error ? toLabmeshError(error) : undefined
      await this.reportRun(this.batchRun.finish(failure && {code: failure.code, message: failure.message}))
    }
    if (!error) await this.refreshCompletion()
    await this.opened?.close()
    await super.finally(error)
  }

  /** Keeps shell completion's profiles, tables, saved searches and converters current, once `labmesh autocomplete` set it up. */
  protected async refreshCompletion(force = false): Promise<void> {
    if (!completionInstalled(this.config.cacheDir)) return
    try {
      await refreshCompletion({
        config: this.config,
        profile: this.profile(),
        backend: this.opened,
        converters: this.loadedConverters,
        force: force || Boolean((this.ctor as typeof LabmeshCommand).changesKnownValues),
      })
    } catch {
      // A cache for the shell: a command never fails for it, and the next one tries again.
    }
  }

  public override async catch(error: Error & {oclif?: {exit?: number}}): Promise<unknown> {
    // this.exit() ends a command on purpose: oclif keeps its exit code and prints nothing.
    if (!(error instanceof Error) || error instanceof Errors.ExitError) return super.catch(error)
    // oclif's other errors (this.error(), a failed flag rule) are rendered like ours, with the code their exit code names.
    const labmeshError = error.oclif === undefined ? toLabmeshError(error) : fromOclifError(error, this.id ?? '')
    process.exitCode = labmeshError.exitCode
    if (this.jsonEnabled()) {
      this.logJson({error: labmeshError.toJSON()})
      return
    }
    const lines = [formatError(labmeshError)]
    if (labmeshError.code === 'UNEXPECTED' && process.env.DEBUG) lines.push(String(error.stack))
    process.stderr.write(lines.join('\n') + '\n')
  }

  /** Sets a non-zero exit code for a batch that partly failed, after its result is printed. */
  protected failBatch(code: LabmeshError['code'] = 'INVALID_DATA'): void {
    process.exitCode = new LabmeshError(code, '').exitCode
  }
}

/**
 * A command line oclif could not parse (unknown flag, bad flag value, missing or extra argument)
 * as USAGE (exit 2), so `--json` gets the same `{"error": {"code": ...}}` as every other error.
 */
function usageError(error: unknown, commandId: string): LabmeshError {
  const raw = error instanceof Error ? error.message : String(error)
  const message = raw
    .replace(/\nSee more help with --help$/, '')
    .replace(/^Parsing (--[\w-]+) \n\t(?:\1 )?/, '$1: ')
    .trim()
  const command = commandLine(commandId)
  const unknownFlags = (error as {flags?: unknown}).flags
  // A flag's own parser (a time, a choice) said what it takes: that stays.
  const own = error instanceof LabmeshError ? error.suggestions : []
  return new LabmeshError('USAGE', message, {
    cause: error,
    suggestions: [
      ...own,
      ...(Array.isArray(unknownFlags)
        ? [`an argument that starts with - (a SQL comment, a NOT term) goes after --, flags before it: ${command} --json -- "-..."`]
        : []),
      `${command} --help`,
    ],
  })
}

/**
 * An error oclif raised after parsing (`this.error(message, {exit})`), as the LabmeshError its
 * exit code stands for: exit 2 is USAGE, with the command's help as the next step.
 */
function fromOclifError(error: Error & {oclif?: {exit?: number}}, commandId: string): LabmeshError {
  const exit = error.oclif?.exit ?? 1
  const code = (Object.keys(ERROR_EXIT_CODES) as ErrorCode[]).find((c) => ERROR_EXIT_CODES[c] === exit) ?? 'UNEXPECTED'
  return new LabmeshError(code, error.message, {cause: error, suggestions: code === 'USAGE' ? [`${commandLine(commandId)} --help`] : []})
}

/** How a user types the command: `labmesh files list` for `files:list`. */
function commandLine(commandId: string): string {
  return `labmesh ${commandId.replaceAll(':', ' ')}`.trim()
}
