/**
 * The parsed form of a search query, shared by every backend: the local backend compiles it to
 * SQLite FTS5 (compile-sqlite.ts), the aws backend the same tree to PostgreSQL full-text search
 * (compile-postgres.ts). Nodes carry meaning, not syntax: field names are normalised, comparison values are
 * typed and turned into bounds, so a compiler never re-reads the query text.
 */
export type SearchNode = AndNode | OrNode | NotNode | TextNode | RangeNode

export interface AndNode {
  type: 'and'
  children: SearchNode[]
}

export interface OrNode {
  type: 'or'
  children: SearchNode[]
}

export interface NotNode {
  type: 'not'
  child: SearchNode
}

/**
 * Words to find: a free word or "quoted phrase" (field null: anywhere), or `field:value`.
 * The words match in order, whole words, case and accents ignored; `prefix` lets the last word
 * be the start of a longer one (`abs*`). (OpenSearch: match_phrase / match_phrase_prefix.)
 */
export interface TextNode {
  type: 'text'
  field: string | null
  text: string
  prefix: boolean
  /** Offset of the term in the query, for messages. */
  position: number
}

export interface Bound {
  value: number
  inclusive: boolean
}

/**
 * A comparison on a number or a time, as bounds: `size<1MB` is {max: 1e6 exclusive},
 * `time:2024-03` is {min: 2024-03-01 inclusive, max: 2024-04-01 exclusive}. Times are epoch
 * milliseconds (UTC). (OpenSearch: a range query.)
 */
export interface RangeNode {
  type: 'range'
  field: string
  kind: 'number' | 'time'
  min?: Bound
  max?: Bound
  position: number
}

/** Every text and range leaf of a tree, with whether it sits under an odd number of NOTs. */
export function* leaves(node: SearchNode, negated = false): Generator<{leaf: TextNode | RangeNode; negated: boolean}> {
  switch (node.type) {
    case 'and':
    case 'or':
      for (const child of node.children) yield* leaves(child, negated)
      return
    case 'not':
      yield* leaves(node.child, !negated)
      return
    default:
      yield {leaf: node, negated}
  }
}
