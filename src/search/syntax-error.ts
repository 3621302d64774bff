import {LabmeshError} from '../errors.js'

const SHOWN_AROUND = 60

/**
 * A query that does not parse: INVALID_INPUT, with the 1-based position and the query shown
 * with a caret under the spot, so the person sees where to fix it.
 */
export class SearchSyntaxError extends LabmeshError {
  /** 1-based position of the problem in the query. */
  readonly position: number

  constructor(query: string, offset: number, problem: string) {
    // A long query is shown around the spot only.
    const from = Math.max(0, offset - SHOWN_AROUND)
    const to = Math.min(query.length, offset + SHOWN_AROUND)
    const shown = `${from > 0 ? '...' : ''}${query.slice(from, to).replace(/[\r\n\t]/g, ' ')}${to < query.length ? '...' : ''}`
    const caret = offset - from + (from > 0 ? 3 : 0)
    super('INVALID_INPUT', `invalid search query at position ${offset + 1}: ${problem}\n  ${shown}\n  ${' '.repeat(caret)}^`, {
      subject: query,
      suggestions: ['quote words that hold special characters: "a (b)" or "time>=noon"', 'see `labmesh search --help` for the syntax'],
    })
    this.position = offset + 1
  }

  override toJSON(): ReturnType<LabmeshError['toJSON']> & {position: number} {
    return {...super.toJSON(), position: this.position}
  }
}
