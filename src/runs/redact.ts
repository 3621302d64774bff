/**
 * Removes what could be a secret from the text of a run (kept in the run log, shown by `labmesh
 * status`, sent in notifications): passwords in URLs (up to the last `@` of the address),
 * `password=`/`secret=`/`token=` values (also as quoted JSON keys), bearer tokens, API key secrets
 * and AWS secret keys. Error messages are meant to hold none; this is the second line of defence.
 */
export function redactSecrets(text: string): string {
  return text
    .replaceAll(/(\b[a-z][\w+.-]*:\/\/[^\s:/@]*):\S*@/gi, '$1:***@')
    .replaceAll(/\b(Bearer\s+)\S+/g, '$1***')
    .replaceAll(/\b(lmk_[A-Za-z0-9]+)_[A-Za-z0-9_-]+/g, '$1_***')
    .replaceAll(/\b(\w*(?:password|passwd|pwd|secret|token|api[_-]?key)\w*)(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1$2***')
    .replaceAll(/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/g, (match) =>
      /[0-9]/.test(match) && /[A-Z]/.test(match) && /[a-z]/.test(match) ? '***' : match,
    )
}
