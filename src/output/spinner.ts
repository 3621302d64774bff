import ora from 'ora'

import {canAnimate} from './terminal.js'

export interface Spinner {
  update(text: string): void
  stop(): void
}

/** A spinner on stderr, only when a person is watching on a terminal that can redraw it (terminal.ts). */
export function createSpinner(enabled: boolean, text: string): Spinner {
  if (!enabled || !canAnimate(process.stderr)) return {update() {}, stop() {}}
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
