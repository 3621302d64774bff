/** Values that change as labmesh is used; shells read them from a cache the CLI keeps (known-values.ts). */
export type KnownValueKind = 'profiles' | 'tables' | 'searches' | 'converters'

/** Where the values of an argument or flag come from when a shell completes it. */
export type CompletionSource = KnownValueKind | 'files' | 'dirs'

/**
 * A command's completion sources by argument or flag name (`static completions` on the command,
 * kept in oclif.manifest.json); a flag or argument not named completes its `options` or nothing.
 */
export type Completions = Readonly<Record<string, CompletionSource>>

/** The flags every command has: `--profile` completes the profiles. */
export const GLOBAL_COMPLETIONS: Completions = {profile: 'profiles'}
