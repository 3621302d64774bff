import {COMPLETION_ENGINE} from './engine.js'

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = (typeof SHELLS)[number]

export interface ScriptOptions {
  bin: string
  version: string
  /** The spec of the commands (spec.ts). */
  spec: string
  /** Where the known-values cache lives when LABMESH_CACHE_DIR is not set: the one CLI run that wrote the script used. */
  defaultCacheDir: string
}

/**
 * A shell's completion script: the spec and the engine as two variables, and a function that
 * hands the command line to the engine and its answer to the shell's completion system.
 */
export function completionScript(shell: Shell, options: ScriptOptions): string {
  return {bash: bashScript, zsh: zshScript, fish: fishScript}[shell](options)
}

/** bash and zsh share the call into the engine. */
function posixEngineCall({bin, defaultCacheDir}: ScriptOptions): string {
  const fn = identifier(bin)
  return `__${fn}_candidates() {
  local current=$1 cache=\${LABMESH_CACHE_DIR:-${posixQuote(defaultCacheDir)}} IFS=$'\\037'
  shift
  printf '%s\\n' "$__${fn}_spec" |
    LABMESH_COMP_WORDS="$*" LABMESH_COMP_CURRENT="$current" LABMESH_COMP_VALUES="$cache/autocomplete/values.tsv" \\
    awk "$__${fn}_engine"
}`
}

function header(shell: Shell, {bin, version}: ScriptOptions): string {
  return `# ${bin} completion for ${shell}, written by \`${bin} autocomplete script ${shell}\` (${bin} ${version}).
# Profiles, tables, saved searches and converters complete from a cache the CLI refreshes as it runs.`
}

function bashScript(options: ScriptOptions): string {
  const fn = identifier(options.bin)
  return `${header('bash', options)}
__${fn}_spec=${posixQuote(options.spec)}
__${fn}_engine=${posixQuote(COMPLETION_ENGINE)}
${posixEngineCall(options)}
_${fn}() {
  # The words as typed up to the cursor: bash's own COMP_WORDS splits --flag=value and a:b apart.
  local line=\${COMP_LINE:0:COMP_POINT} current candidate
  local -a words
  read -ra words <<<"$line"
  if [[ -z $line || $line == *[[:space:]] ]]; then current=; else current=\${words[\${#words[@]}-1]}; unset 'words[\${#words[@]}-1]'; fi
  # What bash will replace is the part of the word after its last break (= or :).
  local replaced=\${COMP_WORDS[COMP_CWORD]}
  local cut=\${current%"$replaced"}
  COMPREPLY=()
  while IFS= read -r candidate; do
    case $candidate in
      @files) compopt -o filenames 2>/dev/null; while IFS= read -r candidate; do COMPREPLY+=("$candidate"); done < <(compgen -f -- "$replaced") ;;
      @dirs) compopt -o filenames 2>/dev/null; while IFS= read -r candidate; do COMPREPLY+=("$candidate"); done < <(compgen -d -- "$replaced") ;;
      *) candidate=\${candidate%%$'\\t'*}; COMPREPLY+=("\${candidate#"$cut"}") ;;
    esac
  done < <(__${fn}_candidates "$current" "\${words[@]:1}")
}
complete -F _${fn} ${options.bin}
`
}

function zshScript(options: ScriptOptions): string {
  const fn = identifier(options.bin)
  return `#compdef ${options.bin}
${header('zsh', options)}
__${fn}_spec=${posixQuote(options.spec)}
__${fn}_engine=${posixQuote(COMPLETION_ENGINE)}
${posixEngineCall(options)}
_${fn}() {
  local line value paths
  local -a described
  for line in "\${(@f)$(__${fn}_candidates "$PREFIX" "\${(@)words[2,CURRENT-1]}")}"; do
    case $line in
      @files|@dirs) paths=$line ;;
      ?*)
        value=\${line%%$'\\t'*}
        if [[ $line == *$'\\t'?* ]]; then described+=("\${value//:/\\\\:}:\${line#*$'\\t'}"); else described+=("\${value//:/\\\\:}"); fi
        ;;
    esac
  done
  local ret=1
  (( \${#described} )) && _describe -t values ${options.bin} described && ret=0
  if [[ -n $paths ]]; then
    [[ $PREFIX == --*=* ]] && compset -P '*='
    if [[ $paths == @dirs ]]; then _files -/ && ret=0; else _files && ret=0; fi
  fi
  return ret
}
# Autoloaded from fpath, this file is the completion function's body; sourced, it registers it.
if [[ $funcstack[1] == _${fn} ]]; then _${fn} "$@"; else compdef _${fn} ${options.bin}; fi
`
}

function fishScript(options: ScriptOptions): string {
  const fn = identifier(options.bin)
  return `${header('fish', options)}
set -g __${fn}_spec ${fishQuote(options.spec)}
set -g __${fn}_engine ${fishQuote(COMPLETION_ENGINE)}
function __${fn}_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    set -l cache ${fishQuote(options.defaultCacheDir)}
    set -q LABMESH_CACHE_DIR; and set cache $LABMESH_CACHE_DIR
    set -lx LABMESH_COMP_WORDS (string join -- \\x1f $words)
    set -lx LABMESH_COMP_CURRENT "$current"
    set -lx LABMESH_COMP_VALUES $cache/autocomplete/values.tsv
    printf '%s\\n' $__${fn}_spec | awk $__${fn}_engine | while read -l line
        # Candidates often start with -: compare and print them as operands, never as options.
        if not string match -q -- '@*' $line
            printf '%s\\n' $line
            continue
        end
        # Paths, after the flag in --flag=path.
        set -l flag (string match -r -- '^--[^=]*=' "$current")
        set -l path (string replace -r -- '^--[^=]*=' '' "$current")
        if test $line = @dirs
            printf '%s\\n' "$flag"(__fish_complete_directories "$path")
        else
            printf '%s\\n' "$flag"(__fish_complete_path "$path")
        end
    end
end
complete -c ${options.bin} -f -a '(__${fn}_complete)'
`
}

/** A shell identifier made of the binary's name. */
function identifier(bin: string): string {
  return bin.replaceAll(/[^A-Za-z0-9_]/g, '_')
}

function posixQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/** fish's single quotes take only \\ and \' as escapes. */
function fishQuote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}
