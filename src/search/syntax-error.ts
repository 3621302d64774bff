import {LabmeshError} from '../errors.js'

/**
 * A query that does not parse: INVALID_INPUT, with the 1-based position and the query shown
 * with a caret under the spot, so the person sees where to fix it.
 */
export class SearchSyntaxError extends LabmeshError {
  /** 1-based position of the problem in the query. */
  readonly position: number

  constructor(query: string, offset: number, problem: string) {
    const shown = query.replace(/[\r\n\t]/g, ' ')
    super('INVALID_INPUT', `invalid search query at position ${offset + 1}: ${problem}\n  ${shown}\n  ${' '.repeat(offset)}^`, {
      subject: query,
      suggestions: ['quote words that hold special characters: "a (b)" or "time>=noon"', 'see `labmesh search --help` for the syntax'],
    })
    this.position = offset + 1
  }

  override toJSON(): ReturnType<LabmeshError['toJSON']> & {position: number} {
    return {...super.toJSON(), position: this.position}
  }
}
