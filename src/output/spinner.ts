import ora from 'ora'

export interface Spinner {
  update(text: string): void
  stop(): void
}

/** A spinner on stderr, only when a person is watching. */
export function createSpinner(enabled: boolean, text: string): Spinner {
  if (!enabled || !process.stderr.isTTY) return {update() {}, stop() {}}
  const spinner = ora({text, stream: process.stderr}).start()
  return {
    update(next) {
      spinner.text = next
    },
    stop() {
      spinner.stop()
    },
  }
}
