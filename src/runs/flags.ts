import {Flags} from '@oclif/core'

/** `--notify`, the same on every batch command. */
export const notifyFlag = {
  notify: Flags.boolean({
    description: "When files fail (or the command ends in an error), publish a summary to the aws profile's SNS topic.",
  }),
}
