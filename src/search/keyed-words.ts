import {words} from './words.js'

/**
 * How the local index makes a field's words findable by FTS5 alone. Each metadata value and
 * label is also written, in a column of its own, as single tokens that join the field to each
 * word (`instrumentǂenvision`), so `instrument:envision` is one exact FTS5 phrase; and as one
 * token of all its words (`ǃsǃ001ǃ`), so a value equal to a searched term is one token too.
 * The joining characters are Latin click letters: unicode61 keeps them inside a token, and lab
 * data has none (words() drops them).
 */
const JOIN = 'ǂ'
const EDGE = 'ǃ'

/** A field's name as part of a token, letters and digits only: "label.site" -> "labelǁsite". */
function fieldToken(field: string): string {
  return field.replace(/[^\p{L}\p{N}]+/gu, 'ǁ')
}

/** The tokens for words of `text` in `field`, in order: a phrase of them is a phrase in that field. */
export function fieldWords(field: string, text: string): string[] {
  const prefix = fieldToken(field) + JOIN
  return words(text).map((w) => prefix + w)
}

/** Whether a keyed token stands for a whole value (or is the edge between values) rather than a field's word. */
export function isValueToken(token: string): boolean {
  return token.startsWith(EDGE)
}

/** Values longer than this are prose, not identifiers: nobody types them whole. */
const WHOLE_VALUE_WORDS = 12

/** The token of a value that holds exactly these words; empty for none or too many. */
export function wholeValue(text: string): string {
  const all = words(text)
  return all.length === 0 || all.length > WHOLE_VALUE_WORDS ? '' : `${EDGE}${all.join(EDGE)}${EDGE}`
}

/** The keyed text of a file's values: each value whole, then its words under each field it belongs to. */
export function keyedText(values: {fields: string[]; value: string}[]): string {
  // An edge token between values: two values' field tokens are never side by side, so never a phrase.
  return values.map(({fields, value}) => [wholeValue(value) || EDGE, ...fields.flatMap((f) => fieldWords(f, value))].join(' ')).join(' ')
}
