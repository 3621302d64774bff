import {readFileSync} from 'node:fs'
import path from 'node:path'

import {writeFileAtomically} from '../output/atomic-file.js'
import type {KnownValueKind} from './sources.js'

/**
 * The cache shells complete from: one tab-separated row a value, `kind profile value description`,
 * where kind is a KnownValueKind (profile `*` for the profiles themselves), `default` (the profile
 * used when none is named) or `refreshed` (when a profile's rows were last listed, in ms).
 */
export interface KnownValue {
  kind: KnownValueKind | 'default' | 'refreshed'
  profile: string
  value: string
  description: string
}

/** Every profile's rows share this mark in the profile column. */
export const ANY_PROFILE = '*'

export function knownValuesFile(completionDir: string): string {
  return path.join(completionDir, 'values.tsv')
}

export function readKnownValues(file: string): KnownValue[] {
  return parseKnownValues(readText(file))
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function parseKnownValues(text: string): KnownValue[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [kind, profile, value, description = ''] = line.split('\t')
      return {kind: kind as KnownValue['kind'], profile, value, description}
    })
}

export interface KnownValueUpdate {
  kind: KnownValue['kind']
  /** A profile's name, or ANY_PROFILE. */
  profile: string
  rows: Omit<KnownValue, 'kind' | 'profile'>[]
}

/**
 * Replaces the rows of each kind and profile given, keeping the others, in one write to a
 * temporary file renamed into place, so a shell never reads half a file (and no write when nothing
 * changed). Two runs updating at once may lose one update, which the next refresh brings back.
 */
export function replaceKnownValues(file: string, updates: KnownValueUpdate[]): void {
  const usable = updates.filter((update) => update.profile === ANY_PROFILE || completable(update.profile))
  const replaced = new Set(usable.map((update) => `${update.kind}\t${update.profile}`))
  const before = readText(file)
  const kept = parseKnownValues(before).filter((row) => !replaced.has(`${row.kind}\t${row.profile}`))
  const added = usable.flatMap(({kind, profile, rows}) =>
    rows.filter((row) => completable(row.value)).map((row) => ({kind, profile, ...row})),
  )
  const text = [...kept, ...added].map((row) => [row.kind, row.profile, row.value, oneLine(row.description)].join('\t') + '\n').join('')
  // Most commands change nothing here: no write then, which every command would otherwise pay.
  if (text !== before) writeFileAtomically(file, text)
}

/** A shell word can only complete to a value without spaces or control characters (profile names alike: they are a column). */
function completable(value: string): boolean {
  return value !== '' && !/[\s\p{Cc}]/u.test(value)
}

function oneLine(text: string): string {
  return text.replaceAll(/[\t\r\n]+/g, ' ').trim()
}
