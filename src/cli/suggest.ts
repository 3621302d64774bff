import {distance} from 'fastest-levenshtein'

export interface Suggestion {
  /** The command or topic meant, in oclif's colon form (`catalog:list`). */
  id: string
  kind: 'command' | 'topic'
  /** The typed words after the part that named it: the command's arguments. */
  rest: string[]
}

/**
 * The command or topic a mistyped id most likely meant. oclif hands over every word that is not a
 * flag glued into the id (`quer:select 1`), so each known name is compared with as many typed words
 * as it has. The name that accounts for more typed words wins (`catalog lst` is `catalog list`, not the
 * topic `catalog` with an argument `lst`), then the closest, then a command before a topic. Names
 * further than a third of their length (and at least two edits) away are not suggested: a guess that
 * far off would run the wrong command.
 */
export function closestCommand(typedId: string, commands: string[], topics: string[]): Suggestion | undefined {
  const typed = typedId.split(':')
  let best: (Suggestion & {distance: number}) | undefined
  const candidates = [...commands.map((id) => ({id, kind: 'command' as const})), ...topics.map((id) => ({id, kind: 'topic' as const}))]
  for (const {id, kind} of candidates) {
    const parts = id.split(':')
    if (parts.length > typed.length) continue
    const d = distance(typed.slice(0, parts.length).join(':').toLowerCase(), id)
    if (d > Math.max(2, Math.floor(id.length / 3))) continue
    const bestParts = best?.id.split(':').length ?? 0
    const better =
      !best ||
      parts.length > bestParts ||
      (parts.length === bestParts && (d < best.distance || (d === best.distance && kind === 'command' && best.kind === 'topic')))
    if (better) best = {id, kind, rest: typed.slice(parts.length), distance: d}
  }
  if (!best) return undefined
  const {distance: _distance, ...suggestion} = best
  return suggestion
}
