import {leaves, type SearchNode, type TextNode} from './ast.js'
import {type FieldSpec, fieldSpec} from './fields.js'

/**
 * What the search compilers (compile-sqlite.ts, compile-postgres.ts, compile-opensearch.ts) decide
 * alike about a query's terms, so the local and aws indexes rank and select the same way.
 */

/** What a file whose metadata value or label equals a wanted term whole gains in every index (seeksExactValue). */
export const EXACT_VALUE_BOOST = 10

/** The terms the nodes want (not under a NOT): what ranks hits, boosts exact values and marks snippets. */
export function wantedTerms(...nodes: SearchNode[]): TextNode[] {
  return nodes.flatMap((n) => [...leaves(n)].flatMap(({leaf, negated}) => (negated || leaf.type !== 'text' ? [] : [leaf])))
}

type ValueSpec = Extract<FieldSpec, {kind: 'label' | 'metadata'}>
export const isValueField = (spec: FieldSpec): spec is ValueSpec => spec.kind === 'label' || spec.kind === 'metadata'

/** Whether a term is looked for in the words people read (free words, name:, path:), which rank. */
export function isWeighted(leaf: TextNode): boolean {
  return leaf.field === null || fieldSpec(leaf.field).kind === 'words'
}

/**
 * Free words and name:/path: terms score; field values and prefixes only select. A prefix
 * stands for many words (`pl*`: plate, every PLT barcode...): scoring each hit by all of them
 * costs seconds on a large lake and says little, so, as in Lucene, every hit scores alike.
 */
export function isScored(leaf: TextNode): boolean {
  return !leaf.prefix && isWeighted(leaf)
}

/** Whether a term's whole value may equal a metadata value or label (and so boost the file that has it). */
export function seeksExactValue(leaf: TextNode): boolean {
  return !leaf.prefix && (leaf.field === null || isValueField(fieldSpec(leaf.field)))
}

/** Text for SQL LIKE ... ESCAPE '\': its own % and _ are only characters. */
export function escapeLike(text: string): string {
  return text.replace(/[%_\\]/g, '\\$&')
}
