import type {ApiKey} from '../backends/types.js'
import {renderTable} from '../output/table.js'
import {type IssuedKey, keyState} from './keys.js'

const day = (iso: string | null): string => (iso ? iso.slice(0, 16).replace('T', ' ') : '')

export function renderKeys(keys: ApiKey[], now = new Date()): string {
  if (keys.length === 0) return 'No API keys. Create one with `labmesh keys create --name NAME --scope search`.'
  return renderTable(
    ['id', 'name', 'scopes', 'tables', 'created', 'expires', 'last used', 'state'],
    keys.map((k) => [
      k.keyId,
      k.name,
      k.scopes.join(' '),
      k.tables.join(' '),
      day(k.createdAt),
      day(k.expiresAt),
      day(k.lastUsedAt),
      keyState(k, now),
    ]),
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
