import {Flags} from '@oclif/core'

/** Commands that print tables: --wide keeps every column and whole cells on a terminal (docs/conventions.md). */
export const wideFlag = {
  wide: Flags.boolean({description: 'On a terminal, show every column and whole cells instead of fitting the table to its width.'}),
}
