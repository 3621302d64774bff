/**
 * Removes what could be a secret from text that leaves the machine (a notification): passwords in
 * URLs, `password=`/`secret=`/`token=` values, API key secrets, AWS secret keys and session tokens.
 * Error messages are meant to hold none; this is the second line of defence.
 */
export function redactSecrets(text: string): string {
  return text
    .replaceAll(/(\b[a-z][\w+.-]*:\/\/[^\s:/@]*):[^\s/@]*@/gi, '$1:***@')
    .replaceAll(/\b(lmk_[A-Za-z0-9]+)_[A-Za-z0-9_-]+/g, '$1_***')
    .replaceAll(/\b(\w*(?:password|passwd|pwd|secret|token|api[_-]?key)\w*)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1$2***')
    .replaceAll(/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/g, (match) =>
      /[0-9]/.test(match) && /[A-Z]/.test(match) && /[a-z]/.test(match) ? '***' : match,
    )
}
