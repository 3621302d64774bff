/** Stable error codes and the exit code each maps to (PRODUCT.md, "Output and errors"). */
export const ERROR_EXIT_CODES = {
  UNEXPECTED: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  UNAUTHORIZED: 4,
  FORBIDDEN: 4,
  BACKEND: 5,
  UNSUPPORTED: 5,
  CONFLICT: 5,
  /** Too many requests for an API key (the server's rate limit). */
  RATE_LIMITED: 5,
  /** The local spool of files waiting for the service is at its bound (`watch --spool-max`). */
  SPOOL_FULL: 5,
  INVALID_INPUT: 6,
  INVALID_DATA: 6,
  UNREADABLE: 6,
  EMPTY_FILE: 6,
  TEMPLATE_MISMATCH: 6,
  /** A warning, never an error: a given metadata value differs from the one detected in the content. */
  METADATA_SHADOWED: 6,
  CONVERSION_FAILED: 6,
  /** A request or upload over the server's size limit. */
  TOO_LARGE: 6,
  /** Stopped by the user (Ctrl-C): the shell's code for SIGINT. */
  CANCELLED: 130,
} as const

export type ErrorCode = keyof typeof ERROR_EXIT_CODES

export interface LabmeshErrorOptions {
  suggestions?: string[]
  cause?: unknown
  /** The file, table or object the error is about, when there is one. */
  subject?: string
}

/** The one error type commands render: a stable code, a message that says what to do, an exit code. */
export class LabmeshError extends Error {
  readonly code: ErrorCode
  readonly suggestions: string[]
  readonly subject?: string

  constructor(code: ErrorCode, message: string, options: LabmeshErrorOptions = {}) {
    super(message, {cause: options.cause})
    this.name = 'LabmeshError'
    this.code = code
    this.suggestions = options.suggestions ?? []
    this.subject = options.subject
  }

  get exitCode(): number {
    return ERROR_EXIT_CODES[this.code]
  }

  toJSON(): {code: ErrorCode; message: string; subject?: string; suggestions: string[]} {
    return {code: this.code, message: this.message, subject: this.subject, suggestions: this.suggestions}
  }
}

/**
 * Whether a thrown value is a LabmeshError (with this code, when given). Checked by name too: a
 * module loaded twice (ESM and CommonJS under a loader) has two LabmeshError classes.
 */
export function isLabmeshError(error: unknown, code?: ErrorCode): error is LabmeshError {
  const named = error instanceof LabmeshError || (error instanceof Error && error.name === 'LabmeshError')
  return named && (code === undefined || (error as LabmeshError).code === code)
}

/** How an error reads on a terminal: its code and message, then what to try. */
export function formatError(error: LabmeshError): string {
  return [`Error [${error.code}]: ${error.message}`, ...error.suggestions.map((s) => `  try: ${s}`)].join('\n')
}

/** Any thrown value as a LabmeshError, keeping the original as `cause`. */
export function toLabmeshError(error: unknown): LabmeshError {
  if (isLabmeshError(error)) return error
  const nodeError = error as NodeJS.ErrnoException
  const message = error instanceof Error ? error.message : String(error)
  switch (nodeError?.code) {
    case 'ENOENT':
      return new LabmeshError('NOT_FOUND', message, {cause: error})
    case 'EACCES':
    case 'EPERM':
      return new LabmeshError('UNREADABLE', `permission denied: ${message}`, {cause: error})
    case 'ELOOP':
      return new LabmeshError('UNREADABLE', `symbolic link loop: ${message}`, {cause: error})
    case 'EISDIR':
    case 'ENOTDIR':
      return new LabmeshError('INVALID_INPUT', message, {cause: error})
    default:
      return new LabmeshError('UNEXPECTED', message, {cause: error})
  }
}
