import type {ApiKey} from '../backends/types.js'
import {listedTime} from '../output/format.js'
import type {TableLayout} from '../output/layout.js'
import {renderTable} from '../output/table.js'
import {type IssuedKey, keyState} from './keys.js'

export function renderKeys(keys: ApiKey[], layout: TableLayout, now = new Date()): string {
  return renderTable(
    ['id', 'name', 'scopes', 'tables', 'created', 'expires', 'last used', 'state'],
    keys.map((k) => [
      k.keyId,
      k.name,
      k.scopes.join(' '),
      k.tables.join(' '),
      listedTime(k.createdAt, layout),
      listedTime(k.expiresAt, layout),
      listedTime(k.lastUsedAt, layout),
      keyState(k, now),
    ]),
    layout,
  )
}

/** The secret on its own line, with the one warning that matters. */
export function renderIssuedKey(issued: IssuedKey, verb: 'created' | 'rotated'): string {
  const lines = [
    `API key ${issued.key.keyId} (${issued.key.name}) ${verb}. Its secret, shown this once:`,
    '',
    `  ${issued.secret}`,
    '',
    'Store it now (a secret manager, a CI secret): labmesh keeps only a salted hash and cannot show it again.',
  ]
  if (verb === 'rotated' && issued.key.previousValidUntil) lines.push(`The previous secret works until ${issued.key.previousValidUntil}.`)
  return lines.join('\n')
}
