import path from 'node:path'

import type {CompletionFiles} from './install.js'
import type {Shell} from './scripts.js'

/** The shell whose completion to set up when none is named: the login shell's, if labmesh knows it. */
export function shellOf(loginShell: string | undefined): Shell | undefined {
  const name = path.basename(loginShell ?? '')
  return name === 'bash' || name === 'zsh' || name === 'fish' ? name : undefined
}

/** What to add to a shell's start-up so that it loads the script `labmesh autocomplete` wrote. */
export function setupLines(shell: Shell, files: CompletionFiles): string[] {
  const quoted = (file: string) => (/^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replaceAll("'", `'\\''`)}'`)
  switch (shell) {
    case 'bash':
      return ['Add this line to ~/.bashrc, then open a new shell:', `  source ${quoted(files.scripts.bash)}`]
    case 'zsh':
      return [
        'Add these lines to ~/.zshrc (the fpath line before compinit runs, if it already does), then open a new shell:',
        `  fpath=(${quoted(path.dirname(files.scripts.zsh))} $fpath)`,
        '  autoload -Uz compinit && compinit',
      ]
    case 'fish':
      return [
        'Link the script where fish looks for completions, then open a new shell:',
        `  mkdir -p ~/.config/fish/completions && ln -sf ${quoted(files.scripts.fish)} ~/.config/fish/completions/labmesh.fish`,
      ]
  }
}
